"""GET /healthz: 200 when the database answers, 503 when it does not; no login needed."""

from __future__ import annotations

from dataclasses import replace

from console import create_app


def test_healthz_ok_without_login(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_503_when_the_database_cannot_be_opened(settings, relay, tmp_path):
    folder = tmp_path / "not-a-database"
    folder.mkdir()  # SQLite cannot open a directory
    app = create_app(replace(settings, database_url=f"sqlite:///{folder}"), relay=relay)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error"}
