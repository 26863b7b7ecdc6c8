"""Who imports whom: the settings package imports no bot code and reads nothing at import;
the web app imports no module of actions/; rasa_runtime none of actions/ or console/."""

from __future__ import annotations

import os
import subprocess
import sys

from settings import ROOT


def modules_after(code: str, **env: str) -> set[str]:
    """The modules loaded by `code`, in a fresh interpreter started elsewhere than the root."""
    script = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT.parent, capture_output=True, text=True,
        timeout=180, env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def loaded(modules: set[str], *packages: str) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in packages)


def test_settings_imports_no_bot_code_and_reads_nothing_at_import():
    modules = modules_after(
        "import settings, settings.dotenv, settings.production, settings.__main__",
        RATE_LIMIT_SECONDS="abc",  # a bad value: nothing fails until it is read
    )
    assert not loaded(modules, "actions", "console", "channels", "rasa_runtime", "rasa",
                      "rasa_sdk", "sqlalchemy", "flask", "tools", "addons")
    assert loaded(modules, "store") == ["store", "store.clock"]


def test_the_web_app_imports_no_module_of_actions():
    modules = modules_after("import console.web, console.settings, console.__main__, console")
    assert not loaded(modules, "actions", "rasa_runtime", "rasa", "rasa_sdk")


def test_rasa_runtime_imports_no_module_of_actions_or_console():
    code = (
        "import pkgutil, importlib, rasa_runtime\n"
        "for module in pkgutil.iter_modules(rasa_runtime.__path__):\n"
        "    importlib.import_module(f'rasa_runtime.{module.name}')\n"
    )
    assert not loaded(modules_after(code), "actions", "console")


def test_bot_modules_import_with_a_bad_value_and_refuse_only_when_they_start():
    modules = modules_after(
        "import actions.settings, actions.base, console.settings, channels.session_tokens",
        RATE_LIMIT_SECONDS="abc",
    )
    assert "actions.base" in modules
