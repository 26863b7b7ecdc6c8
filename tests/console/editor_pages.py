"""Helpers of the content editor's tests: a copy of the project per test, editors' accounts."""

from __future__ import annotations

import shutil
from pathlib import Path

from console_support import NOW, PASSWORD, Console
from flask import Flask

from console.accounts import create_agent_account

ROOT = Path(__file__).resolve().parents[2]
# What content.editing reads and writes: the domain and every data file (nlu, facts).
COPIED = ("domain.yml", "data")
TOPIC = "sisben"
FACT = "sisben_office"  # pending in the sheet: block 3 of sisben says its alternative
EDITOR_ONLY = "Esta página es solo para editores de contenido."


def copy_project(target: Path) -> Path:
    """The project's editable files, copied to `target`: tests never touch the real ones."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)
    return target


def create_editors(database_url: str) -> dict[str, int]:
    """eva edits content only; pablo also serves citizens. Their ids."""
    eva = create_agent_account(database_url, "eva", "Eva Torres", PASSWORD, NOW, roles="editor")
    pablo = create_agent_account(database_url, "pablo", "Pablo Ruiz", PASSWORD, NOW,
                                 roles="agent editor")
    return {"eva": eva.id, "pablo": pablo.id}


def logged_in(app: Flask, username: str) -> Console:
    """A browser where `username` is logged in."""
    browser = Console(app)
    assert browser.login(username).status_code == 302
    return browser


def files(root: Path) -> dict[str, bytes]:
    """Every file of the copied project, by relative path, with its bytes."""
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}
