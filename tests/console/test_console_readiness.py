"""The go-live checklist in the console: the same items as `make readiness`."""

from __future__ import annotations

import dataclasses

import pytest
from console_support import NOW, PASSWORD, Console

from console import create_app
from console.accounts import create_agent_account
from console.readiness import settings_environment
from content.readiness import REACHABLE, UNREACHABLE, checklist
from tests.builders import fact, fact_sheet
from tools.readiness import render

SHEET = fact_sheet(cisat_phone=fact("", "pending", "Teléfono del CISAT"))


@pytest.fixture
def files(tmp_path):
    (tmp_path / "facts.yml").write_text(SHEET, encoding="utf-8")
    return tmp_path


def test_anonymous_visitors_are_sent_to_the_login(app):
    response = app.test_client().get("/console/readiness")
    assert response.status_code in (302, 401)


@pytest.mark.parametrize("roles", ["agent"])
def test_an_agent_without_supervision_or_editing_is_refused(settings, relay, database_url,
                                                            roles):
    """The checklist is for supervisors and editors."""
    create_agent_account(database_url, "pedro", "Pedro", PASSWORD, NOW, roles=roles)
    browser = Console(create_app(settings, relay=relay))
    browser.login("pedro")
    assert browser.client.get("/console/readiness").status_code == 403


@pytest.fixture
def agents(database_url):
    """Two accounts allowed to read the checklist: ana (supervisor), eva (editor)."""
    return {name: create_agent_account(database_url, name, name.title(), PASSWORD, NOW,
                                       roles=roles).id
            for name, roles in (("ana", "agent supervisor"), ("eva", "editor"))}


def test_the_page_lists_the_same_items_as_the_command(settings, relay, agents, files):
    settings = dataclasses.replace(settings, facts_path=files / "facts.yml")
    probe = {settings.pqrd_url: UNREACHABLE}.get
    app = create_app(settings, relay=relay, probe_link=lambda url: probe(url, REACHABLE))
    browser = Console(app)
    browser.login("ana")
    page = browser.client.get("/console/readiness").get_data(as_text=True)
    items = checklist(settings.facts_path, settings.domain_path,
                      settings_environment(settings), probe=lambda url: probe(url, REACHABLE))
    assert items, "a development configuration always has something to do"
    for item in items:
        assert f'data-subject="{item.subject}"' in page
    assert "PQRD_URL" in page and "responde con un error" in page
    assert f"{sum(i.blocks for i in items)} punto(s) bloquean" in page
    assert "Salida a producción" in page
    # the command prints the same subjects
    text = render(items)
    assert all(item.subject in text for item in items)


def test_a_pending_fact_shows_the_topics_it_weakens(settings, relay, agents, files):
    settings = dataclasses.replace(settings, facts_path=files / "facts.yml")
    app = create_app(settings, relay=relay, probe_link=lambda url: REACHABLE)
    browser = Console(app)
    browser.login("eva")
    page = browser.client.get("/console/readiness").get_data(as_text=True)
    assert 'data-subject="cisat_phone"' in page and "faq/ubicacion_contacto" in page
