"""Login throttling: failures per username and per address, kept in the database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from console_support import Console

from console import create_app
from store.db import session_for
from store.models import LoginFailure

WRONG = "otra-clave-equivocada"
LOGIN_FAILED = "Usuario o contraseña incorrectos, o cuenta inactiva."
THROTTLED = "Por seguridad, el ingreso está bloqueado temporalmente"


def browser_at(app, address: str) -> Console:
    """A browser whose requests come from `address`."""
    browser = Console(app)
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser


def fail(browser: Console, username: str, times: int) -> None:
    for _ in range(times):
        assert browser.login(username, WRONG).status_code == 401


def failures(database_url: str) -> list[tuple[str, str]]:
    with session_for(database_url) as session:
        rows = session.query(LoginFailure).order_by(LoginFailure.id).all()
        return [(row.username, row.address) for row in rows]


def test_five_failures_lock_the_username_even_with_the_right_password(app, agents):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 5)
    response = browser.login("ana")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert THROTTLED in page and "Intente de nuevo en 15 minutos." in page
    assert LOGIN_FAILED not in page
    assert int(response.headers["Retry-After"]) == 900
    assert browser.client.get("/console/").status_code == 302  # not logged in
    other_place = browser_at(app, "10.0.0.2")
    assert other_place.login("ana").status_code == 429


def test_the_message_is_polite_spanish(app, agents):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 5)
    page = browser.login("ana").get_data(as_text=True)
    message = (
        "Por seguridad, el ingreso está bloqueado temporalmente por demasiados intentos "
        "fallidos. Intente de nuevo en 15 minutos."
    )
    assert message in page
    assert "!" not in message and "¡" not in message


def test_a_username_that_does_not_exist_is_throttled_the_same_way(app, agents):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "nadie", 5)
    known, unknown = browser_at(app, "10.0.0.2"), browser_at(app, "10.0.0.3")
    fail(known, "ana", 5)
    for response in (unknown.login("nadie", WRONG), known.login("ana", WRONG)):
        assert response.status_code == 429
        assert THROTTLED in response.get_data(as_text=True)


def test_another_username_from_another_address_is_unaffected(app, agents):
    fail(browser_at(app, "10.0.0.1"), "ana", 5)
    assert browser_at(app, "10.0.0.2").login("luis").status_code == 302


def test_the_address_limit_covers_every_username(app, agents):
    browser = browser_at(app, "10.0.0.1")
    for username in ("ana", "luis", "nadie", "otro", "alguien"):
        fail(browser, username, 1)
    response = browser_at(app, "10.0.0.1").login("luis")
    assert response.status_code == 429
    assert browser_at(app, "10.0.0.9").login("luis").status_code == 302


def test_fewer_failures_than_the_limit_do_not_lock(app, agents):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 4)
    assert browser.login("ana").status_code == 302


def test_when_the_window_has_passed_logins_are_allowed_again(app, agents, clock):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 5)
    clock.advance(600)
    response = browser.login("ana")
    assert response.status_code == 429
    assert "Intente de nuevo en 5 minutos." in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) == 300
    clock.advance(299)
    assert "Intente de nuevo en 1 minuto." in browser.login("ana").get_data(as_text=True)
    clock.advance(1)
    assert browser.login("ana").status_code == 302


def test_the_window_slides_over_the_failures(app, agents, clock):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 1)
    clock.advance(600)
    fail(browser, "ana", 4)
    assert browser.login("ana").status_code == 429
    clock.advance(300)  # the first failure has left the window: one more try
    assert browser.login("ana", WRONG).status_code == 401
    assert browser.login("ana").status_code == 429


def test_a_success_clears_the_usernames_failures(app, agents, database_url):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 4)
    fail(browser_at(app, "10.0.0.2"), "luis", 1)
    assert browser.login("ana").status_code == 302
    assert failures(database_url) == [("luis", "10.0.0.2")]
    again = browser_at(app, "10.0.0.1")
    fail(again, "ana", 4)
    assert again.login("ana").status_code == 302


def test_usernames_are_counted_as_the_login_reads_them(app, agents, database_url):
    browser = browser_at(app, "10.0.0.1")
    for username in ("Ana", " ana ", "ANA", "ana", "aNa"):
        assert browser_at(app, "10.0.0.2").login(username, WRONG).status_code == 401
    assert browser.login("ana").status_code == 429
    assert {username for username, _ in failures(database_url)} == {"ana"}


def test_the_limit_and_window_come_from_the_settings(settings, relay, agents, clock):
    app = create_app(replace(settings, login_max_failures=2, login_window_seconds=60), relay)
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 2)
    response = browser.login("ana")
    assert response.status_code == 429
    assert "Intente de nuevo en 1 minuto." in response.get_data(as_text=True)
    clock.advance(60)
    assert browser.login("ana").status_code == 302


def test_two_app_processes_share_the_failures(settings, relay, agents):
    first, second = create_app(settings, relay), create_app(settings, relay)
    fail(browser_at(first, "10.0.0.1"), "ana", 3)
    fail(browser_at(second, "10.0.0.2"), "ana", 2)
    assert browser_at(first, "10.0.0.3").login("ana").status_code == 429
    assert browser_at(second, "10.0.0.4").login("ana").status_code == 429
    assert browser_at(second, "10.0.0.4").login("luis").status_code == 302


@pytest.mark.parametrize(
    ("trusted", "forwarded", "counted"),
    [
        (0, "203.0.113.7", "10.0.0.1"),  # no proxy trusted: the header is ignored
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # a forged first entry is ignored
    ],
)
def test_behind_trusted_proxies_the_forwarded_address_counts(
    settings, relay, agents, database_url, trusted, forwarded, counted
):
    app = create_app(replace(settings, trusted_proxies=trusted), relay)
    browser = browser_at(app, "10.0.0.1")
    browser.client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    fail(browser, "ana", 1)
    assert failures(database_url) == [("ana", counted)]


def test_old_failures_are_deleted_as_new_ones_arrive(app, agents, clock, database_url):
    browser = browser_at(app, "10.0.0.1")
    fail(browser, "ana", 3)
    clock.advance(900)
    fail(browser, "luis", 1)
    assert failures(database_url) == [("luis", "10.0.0.1")]


def test_correct_logins_never_count(app, agents, database_url):
    for _ in range(6):
        browser = browser_at(app, "10.0.0.1")
        assert browser.login("ana").status_code == 302
    assert failures(database_url) == []
