"""The go-live checklist: pending facts and the topics they weaken, links, settings."""

import http.server
import threading

import pytest

from content.readiness import (
    REACHABLE,
    UNKNOWN,
    UNREACHABLE,
    checklist,
    link_items,
    probe_url,
    settings_items,
)
from settings.defaults import DEFAULT_DOMAIN_PATH, DEFAULT_FACTS_PATH
from tests.builders import fact, fact_sheet

PRODUCTION = {
    "TENJO_ENV": "production", "CONSOLE_SECRET_KEY": "k" * 32, "RASA_TOKEN": "t" * 32,
    "CHAT_TOKEN_SECRET": "c" * 32, "CONSOLE_SECURE_COOKIES": "true", "SMTP_HOST": "smtp.x",
    "DATABASE_URL": "postgresql://db/tenjo", "CHAT_ALLOWED_ORIGINS": "https://tenjo.example",
    "DATA_POLICY_URL": "https://tenjo.example/datos",
}


@pytest.fixture(scope="module")
def web():
    """A local HTTP server: /ok answers 200, anything else 404."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(200 if self.path == "/ok" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_probe_tells_reachable_unreachable_and_unknown(web):
    assert probe_url(f"{web}/ok") == REACHABLE
    assert probe_url(f"{web}/gone") == UNREACHABLE
    assert probe_url("http://127.0.0.1:9/", timeout=1) == UNKNOWN  # nothing listens


def test_links_block_unless_reachable(web):
    items = link_items({"PQRD_URL": f"{web}/ok", "SURVEY_URL": f"{web}/gone",
                        "DATA_POLICY_URL": ""}, probe_url)
    assert [(i.subject, i.blocks) for i in items] == [("SURVEY_URL", True),
                                                       ("DATA_POLICY_URL", True)]
    assert "responde con un error" in items[0].problem


def test_development_settings_block_and_production_ones_do_not():
    development = {item.subject for item in settings_items({}) if item.blocks}
    assert {"TENJO_ENV", "CONSOLE_SECRET_KEY", "RASA_TOKEN", "CHAT_TOKEN_SECRET",
            "SMTP_HOST"} <= development
    assert settings_items(PRODUCTION) == []


def test_pending_facts_name_the_topics_they_weaken(tmp_path):
    facts = tmp_path / "facts.yml"
    facts.write_text(fact_sheet(cisat_phone=fact("", "pending"), unused=fact("", "pending")),
                     encoding="utf-8")
    domain = tmp_path / "domain.yml"
    domain.write_text(
        "responses:\n  utter_faq/a:\n  - text: |-\n      Llame al {fact:cisat_phone}.\n"
        "      || Consulte el sitio.\n  utter_faq/b:\n  - text: Nada local.\n", encoding="utf-8")
    items = checklist(facts, domain, PRODUCTION, probe=lambda url: REACHABLE)
    assert [(i.subject, i.blocks, i.topics) for i in items] == [
        ("cisat_phone", True, ("faq/a",)), ("unused", False, ())]


def test_ready_installation_has_an_empty_checklist(tmp_path):
    facts = tmp_path / "facts.yml"
    facts.write_text("facts: {}\n", encoding="utf-8")
    assert checklist(facts, DEFAULT_DOMAIN_PATH, PRODUCTION, probe=lambda url: REACHABLE) == []


def test_a_broken_sheet_blocks(tmp_path):
    facts = tmp_path / "facts.yml"
    facts.write_text("facts: {", encoding="utf-8")
    items = checklist(facts, DEFAULT_DOMAIN_PATH, PRODUCTION, probe=lambda url: REACHABLE)
    assert items[0].area == "Ficha de hechos" and items[0].blocks


def test_the_projects_checklist_lists_the_protocols_links_as_unchecked_offline():
    items = checklist(DEFAULT_FACTS_PATH, DEFAULT_DOMAIN_PATH, {}, probe=lambda url: UNKNOWN)
    links = {i.subject for i in items if i.area == "Enlaces"}
    assert links == {"PQRD_URL", "SURVEY_URL", "DATA_POLICY_URL"}
