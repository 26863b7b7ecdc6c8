"""docs/settings.md and .env.example document every variable of the settings table."""

from settings import VARIABLES
from tools.stack import ROOT


def test_every_variable_is_in_the_settings_doc():
    doc = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert [v.name for v in VARIABLES if f"`{v.name}`" not in doc] == []
