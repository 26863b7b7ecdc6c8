"""The layout's import rules (DESIGN.md, "Layout"), read from every module's imports.

Imports go one way: `actions` → `store`; `console` → `store`; `channels` and
`rasa_runtime` → `store`; `store` imports none of them and no Rasa; the web app
imports no bot code; `settings` imports no other package of the project but `store`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.stack import ROOT

PROJECT = ("actions", "addons", "channels", "console", "content", "rasa_runtime", "settings",
           "store", "tools", "bench")
# What each package may not import (top-level names).
FORBIDDEN = {
    "store": {"rasa", "rasa_sdk", "actions", "addons", "channels", "console", "rasa_runtime",
              "tools"},
    "console": {"actions", "addons", "rasa_runtime", "rasa", "rasa_sdk"},
    # The editors' content (fact sheet, answers built from it, the go-live checklist): read
    # by the actions, the web app and the tools alike, so it imports none of them.
    "content": {"rasa", "rasa_sdk", "actions", "addons", "channels", "console", "rasa_runtime",
                "tools"},
    "settings": {"rasa", "rasa_sdk", "actions", "addons", "channels", "console", "rasa_runtime",
                 "tools"},
    "channels": {"actions", "addons", "console", "tools"},
    "rasa_runtime": {"actions", "addons", "console", "tools", "channels"},
    "actions": {"console", "channels", "rasa_runtime", "tools", "rasa"},
    "addons": {"actions", "console", "channels", "tools"},
}
# Modules that replace Rasa's internals: only rasa_runtime assigns to a Rasa class.
RASA_INTERNALS = ("_validate_action_result", "states_for_tracker_history",
                  "_prediction_states", "_get_nlu_data_with_responses")


def modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts
                  or p.name == "env.py")


def imported(path: Path) -> set[str]:
    """The top-level names of everything `path` imports (at any depth, lazily too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_go_one_way(package):
    broken = {str(path.relative_to(ROOT)): sorted(imported(path) & FORBIDDEN[package])
              for path in modules(package)}
    assert {path: names for path, names in broken.items() if names} == {}


def test_only_rasa_runtime_replaces_rasas_methods():
    offenders = []
    for package in PROJECT:
        if package == "rasa_runtime":
            continue
        for path in modules(package):
            text = path.read_text(encoding="utf-8")
            offenders += [f"{path.relative_to(ROOT)}: {name}" for name in RASA_INTERNALS
                          if f".{name} =" in text or f'"{name}"' in text]
    assert offenders == []


def test_channels_holds_only_the_channels_and_their_guards():
    assert {p.stem for p in modules("channels")} == {
        "__init__", "client_limits", "commands", "guard", "message_ids", "rest", "session_tokens",
        "socketio"}


def test_the_editors_guide_lists_every_topic_with_its_file():
    import re

    guide = (ROOT / "docs" / "editores.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "data" / "nlu").glob("faq_*.yml")):
        row = next((line for line in guide.splitlines() if f"(`{path.name}`)" in line), "")
        for topic in re.findall(r"(?m)^- intent: faq/(\w+)", path.read_text(encoding="utf-8")):
            assert f"`{topic}`" in row, f"docs/editores.md: {topic} ({path.name})"
