"""`rasa_runtime.install()`: every replacement of the table installed once, Rasa's own kept."""

from __future__ import annotations

import importlib
import pkgutil

from sanic import Blueprint

import rasa_runtime
from rasa_runtime import replacing


def replacements() -> list[replacing.Replacement]:
    found = []
    for module in pkgutil.iter_modules(rasa_runtime.__path__):
        found += getattr(importlib.import_module(f"rasa_runtime.{module.name}"),
                         "REPLACEMENTS", ())
    return found


def test_every_replacement_is_installed_once_and_listed_in_the_docstring():
    rasa_runtime.install()
    first = {(r.owner, r.name): getattr(r.owner, r.name) for r in replacements()}
    rasa_runtime.install()
    assert len(first) == 10
    for replacement in replacements():
        key = (replacement.owner, replacement.name)
        installed = getattr(replacement.owner, replacement.name)
        assert installed is first[key], "installing again changes nothing"
        rasas = replacing.rasas(*key)
        assert installed is not rasas
        assert rasas.__module__.startswith("rasa."), "Rasa's own is kept"
        if replacement.wraps:
            assert installed.__wrapped__ is rasas, "wrapped once, around Rasa's own"
        assert f"`{replacement.name}" in rasa_runtime.__doc__ or (
            f"{replacement.owner.__name__}.{replacement.name}" in rasa_runtime.__doc__)
    assert set(replacing.installed()) == set(first)


def test_every_module_is_described_in_the_docstring():
    for module in pkgutil.iter_modules(rasa_runtime.__path__):
        if module.name != "replacing":
            assert f"- {module.name}:" in rasa_runtime.__doc__, module.name


def test_the_gc_freeze_is_registered_on_the_channels_blueprint():
    blueprint = Blueprint("install_test")
    rasa_runtime.install(blueprint)
    assert [f.event for f in blueprint._future_listeners] == ["after_server_start"]


def test_importing_the_package_changes_nothing_of_rasas():
    import subprocess
    import sys

    code = (
        "import rasa_runtime, rasa_runtime.tracker_store, rasa_runtime.faq_importer\n"
        "from rasa_runtime import replacing\n"
        "from rasa.core.processor import MessageProcessor\n"
        "assert replacing.installed() == []\n"
        "assert MessageProcessor.parse_message.__module__ == 'rasa.core.processor'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=rasa_runtime.__path__[0] + "/..")
