"""Answers a lower layer asks of a layer above it, installed by that layer at start (its
AppConfig.ready), so the lower one imports nothing of it. A missing answer raises
ImproperlyConfigured: nothing falls back to doing nothing."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Answers:
    """The named answers one layer expects; `install` fills them, `get` reads one."""

    def __init__(self, owner: str, *names: str) -> None:
        self.owner, self.names, self._installed = owner, names, {}

    def install(self, **answers: Any) -> None:
        unknown = set(answers) - set(self.names)
        if unknown:
            raise ImproperlyConfigured(f"Unknown {self.owner} answers: {sorted(unknown)}")
        self._installed.update(answers)

    def get(self, name: str) -> Any:
        try:
            return self._installed[name]
        except KeyError:
            raise ImproperlyConfigured(
                f"No {self.owner} answer '{name}' installed (is the app giving it installed?)"
            ) from None
