"""How rasa_runtime replaces an attribute of a Rasa class: one table, one mechanism.

A `Replacement` names the class, the attribute and ours. `apply` keeps Rasa's own
attribute in `_RASAS` the first time and does nothing after: that record is what
makes `rasa_runtime.install()` idempotent. `rasas` gives Rasa's own attribute,
installed or not, to the replacements that fall back on it and to the tests that
compare with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_RASAS: dict[tuple[type, str], Any] = {}


@dataclass(frozen=True)
class Replacement:
    """Ours in place of `owner.name` (a class's attribute, or a module's function); with
    `wraps`, `ours(rasas)` builds it around Rasa's."""

    owner: Any
    name: str
    ours: Callable[..., Any]
    wraps: bool = False

    def build(self, rasas: Any) -> Any:
        """The attribute to set, given Rasa's own."""
        return self.ours(rasas) if self.wraps else self.ours


def apply(replacement: Replacement) -> bool:
    """Installs `replacement` unless it is installed; True when it was installed now."""
    key = (replacement.owner, replacement.name)
    if key in _RASAS:
        return False
    rasas = getattr(replacement.owner, replacement.name)
    _RASAS[key] = rasas
    setattr(replacement.owner, replacement.name, replacement.build(rasas))
    return True


def rasas(owner: type, name: str) -> Any:
    """Rasa's own `owner.name`, whether ours is installed or not."""
    return _RASAS.get((owner, name)) or getattr(owner, name)


def installed() -> list[tuple[type, str]]:
    """The attributes replaced so far, in the order they were."""
    return list(_RASAS)
