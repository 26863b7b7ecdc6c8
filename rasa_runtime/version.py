"""The one Rasa version this package was written against, and the guard that checks it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

PINNED_RASA = "3.6.21"


class UnsupportedRasaVersion(RuntimeError):
    """The installed Rasa is not the one whose internals rasa_runtime replaces."""


def installed_rasa() -> str:
    """The version of the installed `rasa` distribution ("" when it is missing)."""
    try:
        return version("rasa")
    except PackageNotFoundError:
        return ""


def require_pinned_rasa(installed: str | None = None) -> None:
    """Raises `UnsupportedRasaVersion` unless Rasa `PINNED_RASA` is installed."""
    installed = installed_rasa() if installed is None else installed
    if installed != PINNED_RASA:
        raise UnsupportedRasaVersion(
            f"rasa_runtime replaces internals of Rasa {PINNED_RASA}, but Rasa "
            f"{installed or '(none)'} is installed. Install rasa=={PINNED_RASA} "
            "(pyproject.toml), or check every replacement listed in "
            "rasa_runtime/__init__.py against the new version before changing PINNED_RASA "
            "in rasa_runtime/version.py."
        )
