"""Each account lands on its own part of the console, and sees the sections of its roles."""

from __future__ import annotations

import pytest
from console_support import NOW, PASSWORD, Console

from console.accounts import create_agent_account


@pytest.mark.parametrize(
    ("roles", "home", "shown", "hidden"),
    [
        ("agent", "/console/", {"Cola", "Seguimientos", "Informes"},
         {"Contenido", "Cuentas", "Salida a producción"}),
        ("editor", "/console/editor/", {"Contenido", "Informes", "Salida a producción"},
         {"Cola", "Seguimientos", "Cuentas"}),
        ("supervisor", "/console/supervision/", {"Cuentas", "Conversaciones", "Informes"},
         {"Cola", "Contenido"}),
    ],
)
def test_the_start_page_and_the_sections_follow_the_roles(app, database_url, roles, home,
                                                           shown, hidden):
    create_agent_account(database_url, "eva", "Eva", PASSWORD, NOW, roles=roles)
    browser = Console(app)
    answer = browser.login("eva")
    assert answer.status_code == 302 and answer.headers["Location"].endswith(home)
    assert browser.client.get("/console").headers["Location"].endswith(home)
    page = browser.client.get(home).get_data(as_text=True)
    nav = page[page.index('aria-label="Secciones"'):page.index("</nav>")]
    assert all(f">{name}</a>" in nav for name in shown), nav
    assert not any(f">{name}</a>" in nav for name in hidden), nav
