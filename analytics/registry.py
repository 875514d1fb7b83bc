"""The analytics methods: their versions and model cards (Mitchell et al. 2019).

A card's text is written here; its metrics are never typed by hand: they come from the
latest BacktestRun stored for the method's current version on reference data. A forecast
assessment's own backtest is derived from incidents: a card shows it only to a reader who may
see that assessment (the caller passes the assessments visible to the reader). A version's
status is oversight's latest decision on it, active when there is none (analytics.lifecycle
makes the decisions; the card lists them).
"""

from typing import Any

from django.db.models import QuerySet

from analytics.choices import Kind, MethodStatus
from analytics.models import Assessment, BacktestRun, MethodStatusChange

OUT_OF_SCOPE_COMMON = [
    "Individual risk scoring of natural persons: no method takes, outputs or ranks persons.",
    "Automated decisions: every result is decision support, reviewed by a second person.",
    "Evidence of guilt or of the presence of any individual at a place.",
]
OVERSIGHT = (
    "Results stay pending until an analyst or coordinator other than the requester approves "
    "them with a rationale, acknowledging every warning; requests, runs, reads and reviews "
    "are audited; oversight reads the audit trail, and may suspend, reactivate or retire a "
    "method version with a rationale (status_history): a version that is not active takes no "
    "requests and none of its results is approved."
)
DATA_SHEET = (
    "Incidents recorded by participating agencies (place, time, category, casualties; the "
    "description for duplicate linking only), limited to what the requester may see, copied "
    "into the assessment's snapshot when requested."
)

METHODS: dict[str, dict[str, Any]] = {
    Kind.HOTSPOTS: {
        "version": "1.1.0",
        "name": "Getis-Ord Gi* hotspots with Benjamini-Hochberg FDR control",
        "intended_use": "Find grid cells where reported incidents cluster more than the study "
        "area's mean predicts, to focus analysis and prevention resources on places.",
        "inputs": "Incident positions aggregated to square cells of cell_size_km (a number, or "
        '"auto": the smallest cell with an expected 5 incidents per Gi* neighbourhood, chosen '
        "at request time and stored); queen contiguity weights including the cell itself; fdr "
        "(default 0.05); outliers (keep | trim: incidents beyond Tukey's far-out fences, at "
        "most max(3, 1%), are left out when no bbox is given).",
        "metrics_description": "z-scores checked against PySAL esda G_Local(star=True) to "
        "1e-6; rate of any flag on uniform random data at the stated FDR. Sparse data: rate of "
        "any flag on Poisson counts by mean per cell, and flagged and empty cells by cell size "
        "on a province-wide simulation (bench/hotspots_sparse.py).",
        "limitations": [
            "Reflects where incidents are reported, which follows patrolling and reporting "
            "habits as much as crime.",
            "Depends on cell size and grid origin (modifiable areal unit problem).",
            "The normal approximation of Gi* is poor when the expected count per 3x3 "
            "neighbourhood is below 5: such results carry a sparse-data warning and a "
            "suggested cell size. Even at 3 per cell, any-flag rates on pure noise are 12-14% "
            "against a nominal 5%.",
            "Outlier detection is per axis and for a handful of points; a distant real group "
            "of a few per cent is kept, together with any mis-geocoded point beyond it.",
            "A cell is flagged hot only if it holds an incident; flags are a subset of the BH "
            "discoveries.",
        ],
        "foreseeable_misuse": [
            "Treating a hot cell as proof that its residents are dangerous.",
            "Re-flagging the same places each period from data the flags themselves produced.",
        ],
        "references": [
            "Getis & Ord 1992",
            "Ord & Getis 1995",
            "Benjamini & Hochberg 1995",
            "Clark & Evans 1954",
            "Tukey 1977",
            "Cochran 1954",
        ],
        "changelog": [
            {"version": "1.0.0", "change": "first release"},
            {
                "version": "1.1.0",
                "change": "sparse-data warning and cell_size_suggestion_km; cell_size_km "
                '"auto"; hot cells must hold an incident; outliers named in refusals and '
                'warnings, and trimmed with outliers: "trim".',
            },
        ],
    },
    Kind.SURGES: {
        "version": "2.0.0",
        "name": "Surge detection per district and category, on aggregates, and province-wide "
        "level shift and trend (Poisson / negative binomial)",
        "intended_use": "Flag district-category pairs, categories, districts or the province "
        "whose latest period is above what their recent history predicts, and say whether and "
        "since when the province-wide rate of incidents has shifted, and its trend per year, "
        "as an early warning.",
        "inputs": "Counts per district, category and calendar period (day, week or calendar "
        "month) over the window (default 52 weeks, 36 months or 90 days); baseline_periods "
        "earlier periods for the per-period test; fdr (also the level-shift test's alpha); "
        "min_observed.",
        "metrics_description": "On simulations: false-alarm rate of the per-group test on "
        "stationary Poisson counts and detection of a planted x3 surge; false-alarm rates of "
        "the level-shift and trend tests on stationary Poisson and negative-binomial series "
        "(52 periods, 20 a period); share of planted x2 level shifts flagged within 1 and 2 "
        "periods and the mean delay, by the level-shift test and with the province-wide row; "
        "share still flagged 12 periods on; and each test's and any flag's false-alarm rate "
        "on a whole stationary result (8 districts x 5 categories x 52 periods).",
        "limitations": [
            "The per-period test has no trend or seasonal regression: a steady rise is flagged "
            "while it outpaces the eight-period baseline and then absorbed; the level-shift "
            "and trend tests cover the whole window, province-wide only.",
            "The level-shift test looks for one change; several changes, or a gradual rise, "
            "show as the largest step and as a trend.",
            "Below about 10 incidents a period, a doubling is rarely found within two periods.",
            "Three separate tests each run at fdr: a stationary result raises some flag in "
            "about 16% of runs.",
            "Short baselines make the expected level uncertain; sparse groups are listed.",
            "A change in reporting practice or coverage looks like a surge or a level shift; "
            "periods before the first incident in scope are left out.",
        ],
        "foreseeable_misuse": ["Reading a flag as a verified rise in crime without review."],
        "references": [
            "Farrington et al. 1996",
            "Noufaily et al. 2013",
            "Worsley 1986 (Biometrika)",
            "Killick & Eckley 2014 (J. Stat. Softw.)",
            "McCullagh & Nelder 1989",
            "Davison & Hinkley 1997",
        ],
        "changelog": [
            {"version": "1.0.0", "change": "first release"},
            {
                "version": "2.0.0",
                "change": "aggregate rows (province, category, district; their own BH "
                "family); province-wide level-shift scan (quasi-Poisson likelihood ratio, "
                "seeded parametric bootstrap) and log-linear trend over the whole window; "
                "default window 52 weeks / 36 months / 90 days; calendar months, their lengths "
                "as exposure.",
            },
        ],
    },
    Kind.FORECAST: {
        "version": "2.0.0",
        "name": "Next-period place-based risk forecast (prior counts, recency-weighted KDE, "
        "lagged-count Poisson regression, ETAS-style self-exciting point process, rank "
        "ensemble), chosen by hit rate at equal area",
        "intended_use": "Rank grid cells by expected incidents in the next period, for "
        "planning prevention and patrol coverage of places, with the model chosen by a "
        "rolling-origin backtest on the same data against prior counts on the same area.",
        "inputs": "Incident positions and times before forecast_start; cell_size_km; period "
        "(day, week or calendar month); coverage (share of area flagged; every model is "
        "compared on exactly that many cells); folds.",
        "metrics_description": "Per model and fold: hit rate (share of next-period incidents "
        "in flagged cells) and PAI at 1%, 5% and the requested coverage, every model flagging "
        "exactly ceil(coverage x cells) cells, ties broken by cell id, as prior counts do; "
        "each model's ratio to prior counts' mean hit rate and the folds it beat them in. The "
        "winner is the best mean hit rate at the requested coverage; prior counts win ties. "
        "The reference backtest (record_backtests on sf-crime-2012h2.csv, weekly, 250 m) lists "
        "the weeks it scored; the models' constants were tuned on that file's weeks before "
        "2012-10-09 only. On the 12 held-out weeks the best model hit 0.87-1.07 times what "
        "prior counts hit on robbery and vehicle theft: no model beats prior counts by 10%.",
        "limitations": [
            "Learns from recorded incidents: places that are patrolled more are forecast more "
            "(feedback loop; check flag persistence).",
            "A few weeks of data give noisy backtests; the winner can change between runs.",
            "On sparse weekly data prior counts are hard to beat: on held-out SF weeks no "
            "model beat them by 10% on robbery or vehicle theft (best +7%, vehicle theft at 5% "
            "of area). A warning says when prior counts win.",
            "When the ensemble wins, risk is a rank share (0-1), not an expected count "
            "(parameters.risk_unit).",
            "ETAS's spatial scale sits at its 10 m floor on block-geocoded data: what it finds "
            "is repeats at the same address.",
            "Forecasts places and periods, never persons or individual events.",
        ],
        "foreseeable_misuse": [
            "Saturation patrolling of flagged cells without review of the bias checks.",
            "Using a cell's rank to judge the people who live or work there.",
        ],
        "references": [
            "Mohler et al. 2011 (JASA)",
            "Chainey, Tompson & Uhlig 2008 (PAI)",
            "Veen & Schoenberg 2008",
            "Mohler & Porter 2018; Flaxman et al. 2019 (lagged-count regression)",
            "Tashman 2000 (rolling origin)",
        ],
        "changelog": [
            {"version": "1.0.0", "change": "first release"},
            {
                "version": "2.0.0",
                "change": "models ranked by mean hit rate at the requested coverage against "
                "prior counts on exactly equal area (ties by cell id), no longer by PAI at 5%; "
                "per-fold hit rates at 1%, 5% and coverage, ratio to prior counts and folds "
                "beaten recorded; warning when prior counts win; kde bandwidth chosen per "
                "coverage; new candidates: L2 Poisson regression on multi-scale lagged counts "
                "and a rank ensemble of kde, regression and ETAS; monthly forecasts "
                "backtested on calendar months.",
            },
        ],
    },
    Kind.LINKS: {
        "version": "2.0.0",
        "name": "Cross-agency duplicate-report linking",
        "intended_use": "Point out reports by different agencies that likely describe one "
        "event, so they are deconflicted and counted once.",
        "inputs": "Position and its precision (exact, town, district, province), time, "
        "category and group, casualty counts (may be unknown) and description of incidents the "
        "requester may see; max_distance_m, max_hours, threshold. Windows up to "
        "ASSESSMENT_MAX_LINK_WINDOW_DAYS, searched in one-year chunks.",
        "metrics_description": "Precision and recall on semi-synthetic labelled sets not used "
        "for tuning (analytics/backtests/link_sets.py, bench/links_labelled.py): a "
        "synthetic province with town-centre geocodes and unknown counts (held-out seed), and "
        "SFPD incidents of October-December 2012 with a simulated second source.",
        "limitations": [
            "Two distinct events close in space, time and kind can be linked.",
            "Descriptions in different languages compare poorly.",
            "In dense places, a report placed only at a town or district centre and without a "
            "time of day is rarely linked and its links are less reliable: treat them as "
            "leads for review.",
            "An imprecise report keeps at most 50 candidates (same category group) and is left "
            "unlinked when two fit it alike.",
            "The labelled sets are semi-synthetic: no public two-source event set could be used.",
        ],
        "foreseeable_misuse": ["Merging records automatically without the owners' review."],
        "references": [
            "Fellegi & Sunter 1969 (record linkage)",
            "Christen 2012 (Data Matching)",
            "Bennell & Canter 2002",
            "Clark 1951 (urban density falls from the centre)",
        ],
        "changelog": [
            {"version": "1.0.0", "change": "first release"},
            {
                "version": "2.0.0",
                "change": "unknown casualty counts are left out rather than read as 0 and never "
                "contradict; location precision widens the distance allowed and weakens the "
                "space evidence accordingly; imprecise reports are blocked by category group "
                "and bounded to 50 candidates, and where places are imprecise the description "
                "takes the share of the space weight they cannot resolve (ambiguity margin "
                "0.04); long windows are searched in time chunks with the same result as one "
                "pass. Held out: SF 0.902/0.805, province 0.994/0.976.",
            },
        ],
    },
}


def method_version(kind: str) -> str:
    return METHODS[kind]["version"]


def latest_status_change(kind: str, version: str) -> MethodStatusChange | None:
    """Oversight's latest decision on a version of the method (analytics.lifecycle)."""
    changes = MethodStatusChange.objects.filter(method=kind, version=version)
    return changes.order_by("-number").first()


def method_status(kind: str, version: str | None = None) -> str:
    """The status of a version of the method (by default its current one): the latest
    decision of oversight on it, active when there is none."""
    change = latest_status_change(kind, version or method_version(kind))
    return change.status if change is not None else MethodStatus.ACTIVE


def method_statuses() -> dict[tuple[str, str], str]:
    """(method, version) → status, for every version oversight decided on (others: active).
    One query: the table holds a few rows per version."""
    rows = MethodStatusChange.objects.order_by("method", "version", "number")
    return {
        (method, version): status
        for method, version, status in rows.values_list("method", "version", "status")
    }


def status_history(kind: str) -> list[dict[str, Any]]:
    """Every decision on the method's versions, oldest first: the version, the status it
    set, the rationale, the oversight body that decided (the member who did is in the audit
    trail) and when."""
    changes = MethodStatusChange.objects.filter(method=kind).select_related("agency")
    return [
        {
            "version": change.version,
            "status": change.status,
            "rationale": change.rationale,
            "by": change.agency.code,
            "at": change.at.isoformat(),
        }
        for change in changes.order_by("at", "number")
    ]


def _runs(kind: str) -> QuerySet[BacktestRun]:
    return BacktestRun.objects.filter(method=kind, method_version=method_version(kind)).order_by(
        "-created_at", "-id"
    )


def latest_backtest(kind: str) -> BacktestRun | None:
    """The latest backtest of the method's current version on reference data (no assessment)."""
    return _runs(kind).filter(assessment__isnull=True).first()


def latest_assessment_backtest(kind: str, visible: QuerySet[Assessment]) -> BacktestRun | None:
    """The latest backtest an assessment among `visible` measured (forecasts measure one)."""
    return _runs(kind).filter(assessment__in=visible.order_by().values("pk")).first()


def _run_summary(run: BacktestRun | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {
        "id": run.pk,
        "dataset": run.dataset,
        "created_at": run.created_at.isoformat(),
        "values": run.metrics,
    }


def model_card(kind: str, *, visible: QuerySet[Assessment] | None = None) -> dict[str, Any]:
    """The card: Mitchell's sections, with metrics from the latest backtest on reference data
    and, when `visible` (the reader's visible assessments) is given, from the latest of them."""
    spec = METHODS[kind]
    run = latest_backtest(kind)
    own = latest_assessment_backtest(kind, visible) if visible is not None else None
    history = status_history(kind)
    current = [entry["status"] for entry in history if entry["version"] == spec["version"]]
    return {
        "method": kind,
        "name": spec["name"],
        "version": spec["version"],
        "status": current[-1] if current else MethodStatus.ACTIVE.value,
        "status_history": history,
        "owner": "Fusion maintainers",
        "intended_use": spec["intended_use"],
        "out_of_scope_uses": OUT_OF_SCOPE_COMMON,
        "inputs": spec["inputs"],
        "data": DATA_SHEET,
        "metrics": {
            "description": spec["metrics_description"],
            "latest_backtest": _run_summary(run),
            "latest_assessment_backtest": _run_summary(own),
        },
        "factors": "Bias checks on every result: flag share against incident share per "
        "district, flag persistence across runs, reporting density per agency.",
        "ethical_considerations": spec["foreseeable_misuse"],
        "limitations": spec["limitations"],
        "oversight": OVERSIGHT,
        "references": spec["references"],
        "changelog": spec.get(
            "changelog", [{"version": spec["version"], "change": "first release"}]
        ),
    }
