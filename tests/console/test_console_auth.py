"""A1: personal accounts, login, expiring sessions, CSRF on every POST."""

from __future__ import annotations

import time

import itsdangerous.timed
from console_support import PASSWORD, Console, csrf_token
from sqlalchemy import update

from console.accounts import authenticate
from store.db import session_for
from store.models import Agent

LOGIN_FAILED = "Usuario o contraseña incorrectos, o cuenta inactiva."


def test_pages_redirect_to_login_when_logged_out(app):
    client = app.test_client()
    for path in ("/console/", "/console/handoffs/1"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login")


def test_api_answers_401_json_when_logged_out(app):
    client = app.test_client()
    for path in ("/console/api/queue", "/console/api/handoffs/1/messages"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.is_json
        assert "Inicie sesión" in response.get_json()["error"]


def test_post_when_logged_out_is_refused(app, agents):
    browser = Console(app)
    token = browser.token()
    response = browser.client.post(
        "/console/handoffs/1/take", headers={"X-CSRFToken": token, "Accept": "application/json"}
    )
    assert response.status_code == 401


def test_login_opens_the_queue_and_shows_the_agent(app, agents):
    browser = Console(app)
    response = browser.login("ana")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    page = browser.client.get("/console/").get_data(as_text=True)
    assert "Ana Rodríguez" in page
    assert "Cola de atención" in page


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(app, agents):
    browser = Console(app)
    token = browser.token()
    response = browser.client.post(
        "/console/login?next=/console/handoffs/7",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/console/handoffs/7"
    other = Console(app)
    token = other.token()
    response = other.client.post(
        "/console/login?next=//evil.example/console/",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/console/"


def test_wrong_password_and_unknown_user_get_the_same_generic_message(app, agents):
    browser = Console(app)
    wrong = browser.login("ana", "otra-clave-equivocada")
    unknown = browser.login("nadie", "otra-clave-equivocada")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert LOGIN_FAILED in response.get_data(as_text=True)
    assert browser.client.get("/console/").status_code == 302


def test_inactive_agent_cannot_log_in_and_is_logged_out(app, agents, database_url):
    browser = Console(app)
    assert browser.login("luis").status_code == 302
    assert browser.client.get("/console/").status_code == 200
    with session_for(database_url) as session:
        session.execute(update(Agent).where(Agent.username == "luis").values(active=False))
        session.commit()
    assert browser.client.get("/console/").status_code == 302
    fresh = Console(app)
    response = fresh.login("luis")
    assert response.status_code == 401
    assert LOGIN_FAILED in response.get_data(as_text=True)


def test_session_expires_after_the_configured_minutes(app, agents, monkeypatch):
    assert app.permanent_session_lifetime.total_seconds() == 30 * 60
    browser = Console(app)
    response = browser.login("ana")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie
    assert browser.client.get("/console/").status_code == 200

    start = int(time.time())
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: start + 29 * 60
    )
    assert browser.client.get("/console/").status_code == 200  # and the session slides on

    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: start + 29 * 60 + 31 * 60
    )
    response = browser.client.get("/console/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")
    assert browser.client.get("/console/api/queue").status_code == 401


def test_secure_cookies_setting_marks_the_cookie_secure(settings, relay, agents):
    from dataclasses import replace

    from console import create_app

    app = create_app(replace(settings, secure_cookies=True), relay=relay)
    browser = Console(app)
    page = browser.client.get("/console/login", base_url="https://localhost")
    token = csrf_token(page.get_data(as_text=True))
    response = browser.client.post(
        "/console/login", base_url="https://localhost",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/console/login"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]


def test_post_without_csrf_token_is_refused(console, database_url):
    from console_support import seed_handoff

    handoff_id = seed_handoff(database_url, "conv-csrf")
    response = console.client.post(
        f"/console/handoffs/{handoff_id}/take", headers={"Accept": "application/json"}
    )
    assert response.status_code == 400
    assert "Recargue la página" in response.get_json()["error"]
    response = console.client.post(
        f"/console/handoffs/{handoff_id}/take",
        headers={"Accept": "application/json", "X-CSRFToken": "not-a-token"},
    )
    assert response.status_code == 400
    assert console.client.get("/console/api/queue").get_json()["waiting"][0]["id"] == handoff_id


def test_login_form_without_csrf_token_is_refused(app, agents):
    client = app.test_client()
    response = client.post("/console/login", data={"username": "ana", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_logout_ends_the_session(console):
    token = console.token("/console/")
    response = console.client.post("/console/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert console.client.get("/console/").status_code == 302


def test_logout_needs_csrf(console):
    assert console.client.post("/console/logout").status_code == 400
    assert console.client.get("/console/").status_code == 200


def test_outdated_password_hash_is_rehashed_on_login(database_url, agents):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with session_for(database_url) as session:
        session.execute(update(Agent).where(Agent.username == "ana").values(password_hash=weak))
        session.commit()
        assert authenticate(session, "ana", PASSWORD) is not None
        stored = session.get(Agent, agents["ana"]).password_hash
    assert stored != weak and stored.startswith("$argon2id$")


def test_console_pages_carry_security_headers(console):
    response = console.client.get("/console/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True)  # only external scripts
