"""Query parameters read strictly: a yes/no flag whose value is neither, or a choice outside
its values, is a 400 naming it, never quietly ignored (a misspelt `dry_run` must not make the
change for real); each is given once."""

from collections.abc import Sequence

from rest_framework.request import Request

from fusion.errors import Invalid

YES = frozenset({"1", "true", "yes", "on"})
NO = frozenset({"0", "false", "no", "off"})


def _named(request: Request, name: str) -> list[str]:
    """Parameters that spell `name` some other way (another case, `name[]`): a 400 naming
    `name`, for a client that means it may not be told otherwise."""
    return [
        given
        for given in request.query_params
        if given != name and given.lower().removesuffix("[]") == name
    ]


def query_flag(request: Request, name: str, *, default: bool = False) -> bool:
    """The flag `name` of the query string: absent → `default`; given once as one of the
    words above (any case); else Invalid naming it."""
    if _named(request, name):
        raise Invalid(errors={name: [f"Spell it {name}, once."]})
    given = _once(request, name)
    if given is None:
        return default
    word = given.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise Invalid(errors={name: ["Must be true or false (also 1/0, yes/no, on/off)."]})


def _once(request: Request, name: str) -> str | None:
    """The parameter's value (None when absent); given twice is Invalid naming it."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise Invalid(errors={name: ["Give it once."]})
    return values[0] if values else None


def query_choice(request: Request, name: str, choices: Sequence[str]) -> str | None:
    """The parameter `name`, one of `choices`, given once (None when absent); else Invalid
    naming it."""
    given = _once(request, name)
    if given is not None and given not in choices:
        raise Invalid(errors={name: [f"Give one of: {', '.join(choices)}."]})
    return given


def refuse_flag(request: Request, name: str, why: str) -> None:
    """A flag this route does not take, given anyway: a 400 naming it, so that a caller who
    expects it to hold is not surprised by what happens without it."""
    if name in request.query_params or _named(request, name):
        raise Invalid(errors={name: [why]})
