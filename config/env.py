"""Typed readers for settings taken from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_str(name: str, default: str = "") -> str:
    """Return the variable, or `default` when it is unset or blank."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool = False) -> bool:
    """Return true for 1/true/yes/on (any case); `default` when unset."""
    raw = os.environ.get(name)
    return default if raw is None or not raw.strip() else raw.strip().lower() in TRUE_WORDS


def env_int(name: str, default: int) -> int:
    """Return the variable as an integer, failing loudly on garbage."""
    raw = env_str(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated variable as a list of non-blank items."""
    raw = env_str(name)
    if not raw:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def required_secret(name: str, *, debug: bool, dev_value: str) -> str:
    """A secret that must be set outside debug; debug runs fall back to a fixed dev value."""
    value = env_str(name)
    if value:
        return value
    if debug:
        return dev_value
    raise ImproperlyConfigured(f"{name} must be set when DJANGO_DEBUG is off")
