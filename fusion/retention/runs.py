"""Retention runs: count the persons past their period (a dry run), then anonymise them.

Which persons: those with anything identifying left (name, national id or its blind index,
phone, notes) on an incident reported (`reported_at`) longer ago than its agency's period for
its category (fusion.retention.policies), and not on a live legal hold. Anonymising empties
those fields and the blind index, so a person no longer matches or turns up in a search;
the person row stays with its role and source, and the incident keeps every statistical
field (time, place, category, severity, counts). The incident's version goes up (its ETag
changes) and each incident gets an audit entry (`retention.anonymised`) in its batch's
transaction; the run ends with one entry carrying its counts (`retention.run`). No entry
names a person or holds a personal value.

Dry run first. A dry run writes nothing but its own record: counts per agency and category,
and the cutoff each pair was counted at. A run that applies it (`retention_apply`)
anonymises only persons both that dry run and the periods now in force find past the
period (the earlier of the two cutoffs), and not held now: so what it does is at most what
was counted, and a hold placed or a period lengthened since is honoured. The schedule
(`retention_scheduled`, daily) applies the newest dry run at least
FUSION_RETENTION_NOTICE_HOURS old and then records the next dry run, so everything
anonymised was counted and logged a notice period before; agency admins read the counts
(GET /api/v1/agencies/{code}/retention-runs/) and can place holds in between.

Batches of FUSION_RETENTION_BATCH incidents each commit alone (atomic per batch: its persons,
versions and audit entries together) after locking their incidents, so an interrupted run
leaves whole batches done and the next run finishes the rest; a second run finds nothing
more to do. An error ends the run `failed` with the error on its record (and its summary
entry with the counts done so far). The worker never updates or deletes audit entries.
"""

from collections import Counter
from collections.abc import Callable
from copy import copy
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, User
from fusion import audit
from fusion.models import LegalHold, RetentionCount, RetentionRun
from fusion.retention.policies import cutoff_of, default_days, periods_by_pair, require_manager
from incidents.models import PERSON_PERSONAL_FIELDS, Incident, Person

ANONYMISED = "retention.anonymised"  # audit event of an incident whose persons were emptied
RUN = "retention.run"  # audit event of a run's counts
IDENTIFYING = ("national_id_index", *PERSON_PERSONAL_FIELDS)
HAS_IDENTIFYING = reduce(or_, (Q(**{f"{name}__isnull": False}) for name in IDENTIFYING))
LIVE_HOLD = Exists(
    LegalHold.objects.filter(incident_id=OuterRef("incident_id"), lifted_at__isnull=True)
)

Pair = tuple[int, str]  # (agency id, category slug)


def _identifying_persons() -> QuerySet[Person]:
    return Person.objects.filter(HAS_IDENTIFYING)


def _past(cutoffs: dict[Pair, datetime], default: datetime | None) -> Q:
    """Persons of incidents reported before their pair's cutoff; pairs not named take
    `default` (None: none)."""
    named = [
        Q(incident__agency_id=agency, incident__category_id=category, incident__reported_at__lt=at)
        for (agency, category), at in cutoffs.items()
    ]
    if default is not None:
        others = ~reduce(
            or_,
            (Q(incident__agency_id=a, incident__category_id=c) for a, c in cutoffs),
            Q(pk__in=[]),
        )
        named.append(others & Q(incident__reported_at__lt=default))
    return reduce(or_, named, Q(pk__in=[]))


def _current_cutoffs(now: datetime) -> tuple[dict[Pair, datetime], datetime]:
    return (
        {pair: cutoff_of(days, now) for pair, days in periods_by_pair().items()},
        cutoff_of(default_days(), now),
    )


def _tally(persons: QuerySet[Person]) -> dict[Pair, dict[str, int]]:
    rows = (
        persons.annotate(held=LIVE_HOLD)
        .values("incident__agency_id", "incident__category_id")
        .annotate(
            persons=Count("id"),
            incidents=Count("incident_id", distinct=True, filter=Q(held=False)),
            held=Count("id", filter=Q(held=True)),
        )
        .order_by()
    )
    return {
        (row["incident__agency_id"], row["incident__category_id"]): {
            "persons": row["persons"] - row["held"],
            "incidents": row["incidents"],
            "held": row["held"],
        }
        for row in rows
    }


def retention_dry_run(*, component: str = "worker", now: datetime | None = None) -> RetentionRun:
    """Count the persons past their period now, per agency and category (held ones apart),
    and record the count with each pair's cutoff. Changes no person, incident or audit entry."""
    now = now or timezone.now()
    cutoffs, default = _current_cutoffs(now)
    tally = _tally(_identifying_persons().filter(_past(cutoffs, default)))
    with transaction.atomic():
        run = RetentionRun.objects.create(dry_run=True, component=component, started_at=now)
        RetentionCount.objects.bulk_create(
            RetentionCount(
                run=run,
                agency_id=agency,
                category_id=category,
                cutoff=cutoffs.get((agency, category), default),
                **counts,
            )
            for (agency, category), counts in sorted(tally.items())
        )
        run.persons = sum(c["persons"] for c in tally.values())
        run.incidents = sum(c["incidents"] for c in tally.values())
        run.held = sum(c["held"] for c in tally.values())
        run.status, run.finished_at = RetentionRun.Status.DONE, timezone.now()
        run.save()
    return run


def _applicable(dry_run: RetentionRun, now: datetime) -> Q:
    """What applying `dry_run` now may anonymise: past both its cutoffs and today's."""
    current, default = _current_cutoffs(now)
    cutoffs = {
        (count.agency_id, count.category_id): min(
            count.cutoff, current.get((count.agency_id, count.category_id), default)
        )
        for count in dry_run.counts.all()
    }
    return _past(cutoffs, None)


def _candidates(dry_run: RetentionRun, now: datetime) -> QuerySet[Person]:
    return (
        _identifying_persons()
        .filter(_applicable(dry_run, now))
        .annotate(held=LIVE_HOLD)
        .filter(held=False)
    )


def retention_incident_count(*, dry_run: RetentionRun, now: datetime | None = None) -> int:
    """How many incidents applying `dry_run` now would touch (for a progress bar)."""
    candidates = _candidates(dry_run, now or timezone.now())
    return candidates.values("incident_id").distinct().count()


def retention_apply(
    *,
    dry_run: RetentionRun,
    component: str = "worker",
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RetentionRun:
    """Anonymise what `dry_run` counted that is still past its period and not held, in
    batches of incidents each committed alone; `progress` is told each batch's incident count.
    Records the run (with counts per agency and category) and one summary audit entry; an
    error fails the run with the error recorded, and is raised again."""
    if not dry_run.dry_run or dry_run.status != RetentionRun.Status.DONE:
        raise ValueError("Only a finished dry run is applied.")
    now = timezone.now()
    run = RetentionRun.objects.create(dry_run=False, applies=dry_run, component=component)
    done: dict[Pair, Counter] = {}
    size = batch_size or settings.FUSION_RETENTION_BATCH
    try:
        after = None
        while True:
            ids, after = _next_batch(dry_run, now, after, size)
            if not ids:
                break
            _anonymise_batch(ids, dry_run, now, done, component=component)
            if progress is not None:
                progress(len(ids))
    except Exception as exc:
        _finish(run, done, dry_run, error=f"{type(exc).__name__}: {exc}")
        raise
    return _finish(run, done, dry_run)


def _next_batch(
    dry_run: RetentionRun, now: datetime, after: object, size: int
) -> tuple[list, object]:
    """The next `size` incident ids (in id order, after `after`) with persons to anonymise."""
    rows = _candidates(dry_run, now)
    if after is not None:
        rows = rows.filter(incident_id__gt=after)
    ids = list(rows.order_by("incident_id").values_list("incident_id", flat=True).distinct()[:size])
    return ids, (ids[-1] if ids else after)


def _anonymise_batch(
    ids: list, dry_run: RetentionRun, now: datetime, done: dict, *, component: str
) -> None:
    """One batch, in one transaction: lock the incidents (holds placed meanwhile wait, or are
    seen), empty their persons' identifying fields, bump their versions, audit each."""
    empty = dict.fromkeys(IDENTIFYING)
    with transaction.atomic(), audit.acting(None, component=component):
        incidents = list(
            Incident.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")
        )
        persons = _candidates(dry_run, now).filter(incident_id__in=ids)
        per_incident = Counter(persons.values_list("incident_id", flat=True))
        if not per_incident:
            return
        persons.update(**empty)
        touched = [incident for incident in incidents if incident.pk in per_incident]
        Incident.objects.filter(pk__in=[i.pk for i in touched]).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        audit.log_bulk(((old, _bumped(old)) for old in touched), event=ANONYMISED)
        for incident in touched:
            tally = done.setdefault((incident.agency_id, incident.category_id), Counter())
            tally["persons"] += per_incident[incident.pk]
            tally["incidents"] += 1


def _bumped(incident: Incident) -> Incident:
    new = copy(incident)
    new.version = incident.version + 1
    return new


def _finish(
    run: RetentionRun, done: dict[Pair, Counter], dry_run: RetentionRun, error: str = ""
) -> RetentionRun:
    counted = {(c.agency_id, c.category_id): c.cutoff for c in dry_run.counts.all()}
    with transaction.atomic(), audit.acting(None, component=run.component):
        RetentionCount.objects.bulk_create(
            RetentionCount(
                run=run,
                agency_id=agency,
                category_id=category,
                cutoff=counted[(agency, category)],
                persons=tally["persons"],
                incidents=tally["incidents"],
            )
            for (agency, category), tally in sorted(done.items())
        )
        run.persons = sum(t["persons"] for t in done.values())
        run.incidents = sum(t["incidents"] for t in done.values())
        run.status = RetentionRun.Status.FAILED if error else RetentionRun.Status.DONE
        run.error, run.finished_at = error, timezone.now()
        run.save()
        _log_run(run, done, outcome="failure" if error else "success")
    return run


def _log_run(run: RetentionRun, done: dict[Pair, Counter], *, outcome: str) -> None:
    codes = dict(Agency.objects.filter(pk__in={a for a, _ in done}).values_list("pk", "code"))
    audit.log_event(
        event=RUN,
        obj=run,
        outcome=outcome,
        details={
            "applies": run.applies_id,
            "persons": run.persons,
            "incidents": run.incidents,
            "counts": [
                {"agency": codes[agency], "category": category, **dict(tally)}
                for (agency, category), tally in sorted(done.items())
            ],
        },
    )


def due_dry_run(now: datetime | None = None) -> RetentionRun | None:
    """The newest finished dry run at least FUSION_RETENTION_NOTICE_HOURS old, unless a run
    has applied it already (older ones it supersedes)."""
    now = now or timezone.now()
    notice = timedelta(hours=settings.FUSION_RETENTION_NOTICE_HOURS)
    newest = (
        RetentionRun.objects.filter(
            dry_run=True, status=RetentionRun.Status.DONE, started_at__lte=now - notice
        )
        .order_by("-started_at", "-id")
        .first()
    )
    if newest is None or newest.applied_by.filter(status=RetentionRun.Status.DONE).exists():
        return None
    return newest


def retention_scheduled() -> tuple[RetentionRun | None, RetentionRun]:
    """The daily pass: apply the dry run that has waited its notice period, if any, then
    record the next dry run. Returns (the applying run or None, the new dry run)."""
    pending = due_dry_run()
    applied = retention_apply(dry_run=pending) if pending is not None else None
    return applied, retention_dry_run()


def agency_retention_runs(*, actor: User, agency: Agency) -> QuerySet[RetentionRun]:
    """Every run, newest first, each with this agency's counts only (`agency_counts`): an
    agency's admins (or a platform admin) learn what was counted and done to their agency's
    persons, not to other agencies'."""
    require_manager(actor, agency)
    own = RetentionCount.objects.filter(agency=agency).order_by("category_id")
    return RetentionRun.objects.prefetch_related(
        Prefetch("counts", queryset=own, to_attr="agency_counts")
    )
