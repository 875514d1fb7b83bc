"""Links runner: cross-agency duplicate reports in the snapshot.

The candidate search runs over the window in chunks of CHUNK_DAYS (each reaching max_hours
into the next, so no pair is lost), reporting progress per chunk; scoring and the one-to-one
matching then run once over every candidate, so the result is that of one pass.
"""

from analytics.methods.grid import grid_covering
from analytics.methods.links import find_links
from analytics.runners.common import Job

CHUNK_DAYS = 365


def run_links(job: Job) -> dict:
    inputs, params, progress = job.inputs, job.params, job.progress
    if inputs.n < 2:
        return {"links": [], "parameters": params, "warnings": ["fewer than 2 incidents"]}
    frame = grid_covering(inputs.lat, inputs.lon, 1000.0)
    x, y = frame.xy(inputs.lat, inputs.lon)
    t_hours = (inputs.t - inputs.t.min()) / 3600.0
    progress(20)

    def chunk_done(done: int, total: int) -> None:
        progress(20 + (60 * done) // total)

    found = find_links(
        inputs.agency,
        x,
        y,
        t_hours,
        inputs.category,
        inputs.group,
        inputs.killed,
        inputs.injured,
        inputs.text,
        precision=inputs.precision,
        max_distance_m=params["max_distance_m"],
        max_hours=params["max_hours"],
        threshold=params["threshold"],
        chunk_hours=CHUNK_DAYS * 24.0,
        progress=chunk_done,
    )
    progress(80)
    rows = []
    for link in found:
        item = link.to_dict()
        i, j = item["i"], item["j"]
        rows.append(
            {
                "incidents": [inputs.ids[i], inputs.ids[j]],
                "agencies": [
                    inputs.agency_names[inputs.agency[i]],
                    inputs.agency_names[inputs.agency[j]],
                ],
                "score": item["score"],
                "reasons": item["reasons"],
                "components": item["components"],
            }
        )
    warnings = []
    if len(inputs.agency_names) < 2:
        warnings.append("the snapshot holds one agency's incidents: no cross-agency links")
    return {"links": rows, "parameters": params, "warnings": warnings}
