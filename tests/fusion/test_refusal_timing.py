"""A hidden incident and a missing one answer in the same time, not only with the same bytes:
the record of the refused read is written after the response has been sent. Measured over
HTTP against a gunicorn server in a process of its own, as a caller probing ids would measure
it (a server thread inside the test's process would share its interpreter lock with the
client, and the record written after a hidden read's response would delay the client's
reading of that response: a difference no outside caller sees)."""

import http.client
import random
import statistics
import time
import uuid

import pytest
import redis

from fusion.audit.events import REFUSED_READ
from fusion.models import AuditEntry
from tests import factories
from tests.processes import API_CACHE_URL, api_servers

pytestmark = pytest.mark.django_db(transaction=True)

HIDDEN_INCIDENTS = 40
ROUNDS = 200  # timed pairs of reads, one of each kind
WARM_UP = 20  # pairs first, not timed (connections, caches, code paths)
# The refusal's record (owner lookup, visibility check, INSERT and commit) took 4-7 ms inside
# the request; a bound of 1 ms lies far below that, and above what the median of 200 paired
# differences moves by on a loaded 2-core machine (~0.2 ms measured): the two reads of a pair
# run back to back, under the same load, so bursts of load and drift cancel out.
BOUND_SECONDS = 0.001
SETTLE_SECONDS = 0.005  # after a read, for the server to finish with its connections
ATTEMPTS = 3


def get(address: str, path: str, token: str) -> tuple[float, int, bytes]:
    """One GET on a connection of its own (Connection: close): seconds until the whole body
    was read, status, body."""
    conn = http.client.HTTPConnection(address, timeout=30)
    try:
        started = time.perf_counter()
        conn.request(
            "GET", path, headers={"Authorization": f"Token {token}", "Connection": "close"}
        )
        response = conn.getresponse()
        body = response.read()
        return time.perf_counter() - started, response.status, body
    finally:
        conn.close()


def recorded_refusals(expected: int, timeout: float = 60.0) -> int:
    """How many refused reads are recorded, once `expected` are or the time is up."""
    deadline = time.monotonic() + timeout
    while (count := AuditEntry.objects.filter(event=REFUSED_READ).count()) < expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.002)
    return count


def measure(address: str, token: str, pairs: list, rng: random.Random, refused: int) -> dict:
    """Pairs of reads, one of each kind, in a random order: the bodies, the paired time
    differences by which kind came first, and how many refusals are recorded by now."""
    bodies, differences = set(), {"hidden": [], "missing": []}
    for n, (hidden_pk, missing_pk) in enumerate(pairs):
        pair = [("hidden", hidden_pk), ("missing", missing_pk)]
        rng.shuffle(pair)
        took = {}
        for kind, pk in pair:
            took[kind], status, body = get(address, f"/api/v1/incidents/{pk}/", token)
            assert status == 404
            bodies.add(body)
            # The record is written after the response and takes the machine for a while:
            # the next read waits for it (whatever this one was), so it slows neither kind.
            refused += kind == "hidden"
            assert recorded_refusals(refused) == refused
            time.sleep(SETTLE_SECONDS)
        if n >= WARM_UP:
            differences[pair[0][0]].append(took["hidden"] - took["missing"])
    # the median difference within a pair (read under the same load), for either order,
    # averaged (a pair's second read may be a little slower than its first)
    by_order = [statistics.median(differences[first]) for first in ("hidden", "missing")]
    every = differences["hidden"] + differences["missing"]
    return {
        "bodies": bodies,
        "refused": refused,
        "difference": sum(by_order) / 2,
        "by_order": by_order,
        "faster": sum(d < 0 for d in every) / len(every),
    }


def in_the_same_time(found: dict) -> bool:
    # a hidden read is about as likely to be the faster of its pair as not. With the record on
    # the request path this share was 0.00 to 0.01 (and the median difference 5-7 ms); with
    # it after the response, 0.485 to 0.53 over four runs, three of them beside another test
    # process (median differences within 0.35 ms). With the server as a thread of the test's
    # own process, hidden reads were 1-2 ms slower in CI: the record's thread held the
    # interpreter lock while the client read the answer.
    return abs(found["difference"]) < BOUND_SECONDS and 0.3 < found["faster"] < 0.7


def test_a_hidden_incident_and_a_missing_one_answer_in_the_same_time(world, tmp_path):
    # given: incidents of the police, which the levies' analyst may not see
    hidden = [
        str(factories.incident(world.police, world.police_submitter, external_ref=f"T-{n}").pk)
        for n in range(HIDDEN_INCIDENTS)
    ]
    token = factories.token(world.levies_analyst)
    rng = random.Random(20261206)
    # as many missing ids as hidden ones, each asked for as often: a hidden id asked for
    # again finds its index pages cached, and so must a missing one, or the comparison would
    # measure the cache rather than the answer
    missing = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in hidden]
    pairs = [(rng.choice(hidden), rng.choice(missing)) for _ in range(WARM_UP + ROUNDS)]
    # when: the pairs are read; measured again (up to ATTEMPTS in all) only when a burst of
    # load from the other test process moved the figures: a record on the request path slows
    # every hidden read by 4-7 ms, in every attempt, and so fails them all
    attempts, refused = [], 0
    redis.Redis.from_url(API_CACHE_URL).flushdb()  # throttle counts of earlier tests
    with api_servers(("timing",), tmp_path) as (server,):
        while len(attempts) < ATTEMPTS and not (attempts and in_the_same_time(attempts[-1])):
            attempts.append(measure(server.address, token, pairs, rng, refused))
            refused = attempts[-1]["refused"]
    # then: the same answer
    assert len(set().union(*(found["bodies"] for found in attempts))) == 1
    # in the same time
    assert in_the_same_time(attempts[-1]), [(f["by_order"], f["faster"]) for f in attempts]
    # and every refused read was recorded, after its response
    assert refused == (WARM_UP + ROUNDS) * len(attempts)
    entry = AuditEntry.objects.filter(event=REFUSED_READ).first()
    assert (entry.actor, entry.acting_agency, entry.object_agency) == (
        world.levies_analyst,
        world.levies,
        world.police,
    )
    assert entry.cid
