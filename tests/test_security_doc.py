"""docs/security.md's advisory table names each package at the version that is pinned.

A row whose package ends in " (npm)" is checked against web/package-lock.json, every
other row against requirements.lock; so a pin that moves without its row fails here.
"""

from __future__ import annotations

import json
import re

import pytest

from tools.stack import ROOT

TABLE_HEADER = "| package | pinned version | advisory id(s) |"
COLUMNS = 7
NPM = " (npm)"


def canonical(name: str) -> str:
    """A Python package's name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def python_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[canonical(name)] = version.strip()
    return pins


def npm_pins() -> dict[str, str]:
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text(encoding="utf-8"))
    return {path.rsplit("node_modules/", 1)[-1]: entry["version"]
            for path, entry in lock["packages"].items() if path}


def advisory_rows() -> list[list[str]]:
    """The cells of each row of the advisory table (header and separator left out)."""
    lines = (ROOT / "docs" / "security.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(TABLE_HEADER))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


ROWS = advisory_rows()


def test_the_table_has_rows_of_seven_cells():
    assert ROWS
    assert [row[0] for row in ROWS if len(row) != COLUMNS] == []


@pytest.mark.parametrize("row", ROWS, ids=[f"{row[0]}-{row[1]}" for row in ROWS])
def test_each_package_is_pinned_at_the_version_its_row_states(row):
    package, version = row[0], row[1]
    if package.endswith(NPM):
        pinned = npm_pins().get(package.removesuffix(NPM))
        where = "web/package-lock.json"
    else:
        pinned = python_pins().get(canonical(package))
        where = "requirements.lock"
    assert pinned == version, f"{package}: the table says {version}, {where} pins {pinned}"
