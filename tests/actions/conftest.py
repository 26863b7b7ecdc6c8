"""Action tests that touch the store get a fresh, migrated SQLite database."""

import pytest

from store.db import migrate


@pytest.fixture
def database(tmp_path):
    """The URL of a new database with the app's schema."""
    url = f"sqlite:///{tmp_path}/app.db"
    migrate(url)
    return url
