"""A copy of the project's editable content (domain, data, actions) per test."""

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COPIED = ("domain.yml", "data", "actions")


@pytest.fixture
def project(tmp_path):
    """The real files, copied: tests write here, never in the project."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path

