"""Supervision in the console: accounts created, deactivated, reactivated, given roles and
new passwords by supervisors only, each action in the audit log; a deactivated agent's
chats go back to the queue and their session ends."""

from __future__ import annotations

import re

import pytest
from console_support import NOW, PASSWORD, PAYLOAD, Console, seed_handoff

from console.accounts import authenticate
from store.agents import agent_by_username, get_agent, reset_password
from store.audit import recent_records
from store.db import session_for
from store.handoffs import add_message, get_handoff, messages_after, take_handoff
from store.presence import report_presence

NEW_PASSWORD = "otra-clave-larga-2027"
ACCOUNT_PAGES = ["/console/supervision/", "/console/supervision/cuentas/1"]
ACTIONS = ["/console/supervision/cuentas", "/console/supervision/cuentas/1/desactivar",
           "/console/supervision/cuentas/1/reactivar", "/console/supervision/cuentas/1/clave",
           "/console/supervision/cuentas/1/roles"]


def post(browser: Console, path: str, data: dict | None = None, page: str = "/console/"):
    """A form POST as the browser sends it, with the CSRF token of `page`."""
    return browser.client.post(path, data={**(data or {}), "csrf_token": browser.token(page)})


def audit(database_url) -> list[tuple]:
    """(actor, action, target, detail) of every record, oldest first."""
    with session_for(database_url) as session:
        rows = reversed(recent_records(session, 1000))
        return [(r.actor_id, r.action, r.target_id, r.detail) for r in rows]


def account(database_url, username: str):
    with session_for(database_url) as session:
        agent = agent_by_username(session, username)
        session.expunge(agent)
        return agent


def page(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_anonymous_visitors_are_sent_to_the_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302 and "/console/login" in response.location


@pytest.mark.parametrize("path", ACCOUNT_PAGES)
def test_agents_without_the_role_get_a_spanish_403(console, path):
    response = console.client.get(path)
    assert response.status_code == 403
    assert "Esta página es solo para supervisores." in page(response)


@pytest.mark.parametrize("path", ACTIONS)
def test_agents_without_the_role_change_nothing(console, database_url, path):
    before = audit(database_url)
    response = post(console, path, {"username": "intruso", "display_name": "Intruso",
                                    "roles": ["supervisor"], "password": NEW_PASSWORD,
                                    "password_again": NEW_PASSWORD})
    assert response.status_code == 403
    assert audit(database_url) == before
    assert agent_by_username_or_none(database_url, "intruso") is None
    assert account(database_url, "ana").roles == "agent"


def agent_by_username_or_none(database_url, username):
    with session_for(database_url) as session:
        return agent_by_username(session, username)


def test_actions_need_the_csrf_token(supervisor, agents, database_url):
    before = audit(database_url)
    response = supervisor.client.post(f"/console/supervision/cuentas/{agents['luis']}/desactivar")
    assert response.status_code == 400
    assert account(database_url, "luis").active and audit(database_url) == before


def test_only_supervisors_see_the_links(console, supervisor):
    links = ('href="/console/supervision/"', 'href="/console/conversaciones"')
    supervisor_page = page(supervisor.client.get("/console/"))
    agent_page = page(console.client.get("/console/"))
    assert all(link in supervisor_page for link in links)
    assert not any(link in agent_page for link in links)
    assert ">Cuentas</a>" in supervisor_page and ">Conversaciones</a>" in supervisor_page


# ---------------------------------------------------------------------------- the list


def row_of(html: str, agent_id: int) -> str:
    """The accounts table's row of one account."""
    match = re.search(rf'<tr data-id="{agent_id}">(.*?)</tr>', html, re.S)
    assert match, f"no row for account {agent_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_the_list_shows_roles_state_availability_and_chats(supervisor, agents, supervisor_id,
                                                           database_url):
    handoff_id = seed_handoff(database_url, "c1")
    with session_for(database_url) as session:
        take_handoff(session, handoff_id, agents["luis"], NOW)
        report_presence(session, agents["luis"], NOW)
    html = page(supervisor.client.get("/console/supervision/"))
    assert row_of(html, agents["luis"]) == (
        "luis Luis Gómez Atención del chat Activa Sí 1 Administrar la cuenta de luis")
    assert row_of(html, agents["ana"]) == (
        "ana Ana Rodríguez Atención del chat Activa No 0 Administrar la cuenta de ana")
    assert row_of(html, supervisor_id).startswith(
        "sofia (usted) Sofía Castro Atención del chat, Supervisión Activa")


# ---------------------------------------------------------------------------- creation


def create_form(**changes) -> dict:
    form = {"username": "mgomez", "display_name": "Marta Gómez", "roles": ["agent", "editor"],
            "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    return {**form, **changes}


def test_a_supervisor_creates_an_account(supervisor, supervisor_id, database_url, app):
    response = post(supervisor, "/console/supervision/cuentas", create_form())
    assert response.status_code == 302
    html = page(supervisor.client.get(response.location))
    assert "Cuenta creada: mgomez (Marta Gómez)." in html
    created = account(database_url, "mgomez")
    assert (created.display_name, created.roles, created.active) == (
        "Marta Gómez", "agent editor", True)
    assert audit(database_url)[-1] == (supervisor_id, "created", created.id,
                                       "roles=agent editor")
    assert NEW_PASSWORD not in str(audit(database_url))
    assert Console(app).login("mgomez", NEW_PASSWORD).status_code == 302
    # The log on the page names who did it, on whom, with the roles in words.
    log = html.split('id="audit-table"')[1]
    assert "Sofía Castro" in log and "Creó la cuenta" in log and "Marta Gómez (mgomez)" in log
    assert "roles: Atención del chat, Edición de contenidos" in log


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": ""}, "El usuario debe tener entre 2 y 64 caracteres"),
        ({"username": "Marta Gómez"}, "El usuario debe tener entre 2 y 64 caracteres"),
        ({"username": "m" * 65}, "El usuario debe tener entre 2 y 64 caracteres"),
        ({"username": "<b>x</b>"}, "El usuario debe tener entre 2 y 64 caracteres"),
        ({"display_name": "   "}, "Indique el nombre completo del funcionario."),
        ({"display_name": "M" * 129}, "El nombre no puede tener más de 128 caracteres."),
        ({"display_name": PAYLOAD}, "El nombre no puede contener los signos &lt; o &gt;"),
        ({"display_name": "Marta\u0007"}, "ni caracteres de control"),
        ({"roles": []}, "Seleccione al menos un rol para la cuenta."),
        ({"roles": ["agent", "root"]}, "El rol &#39;root&#39; no existe."),
        ({"password_again": NEW_PASSWORD + "x"}, "Las contraseñas no coinciden."),
        ({"password": "corta", "password_again": "corta"}, "al menos 10 caracteres"),
        ({"username": "ana"}, "Ya existe una cuenta con el usuario &#39;ana&#39;."),
    ],
)
def test_bad_accounts_are_explained_and_nothing_is_created(supervisor, database_url, changes,
                                                          message):
    before = audit(database_url)
    response = post(supervisor, "/console/supervision/cuentas", create_form(**changes))
    assert response.status_code == 400
    html = page(response)
    assert message in html
    assert audit(database_url) == before
    if changes.get("username") != "ana":
        assert agent_by_username_or_none(database_url, "mgomez") is None
    assert NEW_PASSWORD not in html and PAYLOAD not in html  # never echoed, always escaped


def test_the_form_keeps_what_was_typed_but_the_password(supervisor):
    html = page(post(supervisor, "/console/supervision/cuentas",
                     create_form(password_again="otra-cosa-distinta")))
    assert 'value="mgomez"' in html and 'value="Marta Gómez"' in html
    assert 'value="editor" checked' in html and 'value="supervisor" checked' not in html


# ---------------------------------------------------------------------------- deactivation


def serving_luis(database_url, agents) -> list[int]:
    """Two conversations luis serves, with an agent message each; their ids."""
    ids = []
    for number in range(2):
        handoff_id = seed_handoff(database_url, f"c{number}")
        with session_for(database_url) as session:
            take_handoff(session, handoff_id, agents["luis"], NOW)
            add_message(session, handoff_id, "agent", f"Respuesta {number}", NOW, agents["luis"])
        ids.append(handoff_id)
    return ids


def test_deactivating_an_agent_mid_chat_returns_the_chats(supervisor, other_console, agents,
                                                          supervisor_id, database_url, relay,
                                                          app):
    """luis serves two chats: both wait again with everything said so far, the bot of
    each is told, the action is logged, and luis is out at his next request."""
    handoffs = serving_luis(database_url, agents)
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/desactivar")
    assert response.status_code == 302
    html = page(supervisor.client.get(response.location))
    assert "La cuenta de luis quedó desactivada." in html
    assert "Las 2 conversaciones que atendía volvieron a la cola, en el mismo lugar." in html
    assert "Reactivar la cuenta" in html
    with session_for(database_url) as session:
        for number, handoff_id in enumerate(handoffs):
            handoff = get_handoff(session, handoff_id)
            assert (handoff.status, handoff.agent_id, handoff.requested_at) == (
                "waiting", None, NOW)
            texts = [m.text for m in messages_after(session, handoff_id)]
            assert texts == ["Quiero hablar con un funcionario", "Por favor espere un momento.",
                             f"Respuesta {number}"]
    assert relay.calls == [("c0", "EXTERNAL_handoff_returned", {}),
                           ("c1", "EXTERNAL_handoff_returned", {})]
    assert audit(database_url)[-1] == (supervisor_id, "deactivated", agents["luis"], "")
    # luis's open session ends at his next request; he cannot log in again.
    assert other_console.client.get("/console/").status_code == 302
    assert Console(app).login("luis").status_code == 401
    # Another agent takes a returned chat from the queue.
    assert supervisor.take(handoffs[0]).status_code == 200


def test_when_rasa_cannot_be_told_the_supervisor_is_warned(supervisor, agents, database_url,
                                                          relay):
    handoffs = serving_luis(database_url, agents)
    relay.failing = True
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/desactivar")
    html = page(supervisor.client.get(response.location))
    assert "No fue posible avisarle al asistente de 2 conversaciones devueltas" in html
    assert not account(database_url, "luis").active
    with session_for(database_url) as session:
        assert [get_handoff(session, h).status for h in handoffs] == ["waiting", "waiting"]


def test_deactivating_twice_records_once(supervisor, agents, supervisor_id, database_url):
    path = f"/console/supervision/cuentas/{agents['ana']}/desactivar"
    post(supervisor, path)
    response = post(supervisor, path)
    assert "La cuenta de ana ya estaba desactivada." in page(
        supervisor.client.get(response.location))
    assert [row[1] for row in audit(database_url)].count("deactivated") == 1


def test_a_supervisor_cannot_deactivate_themselves(supervisor, supervisor_id, database_url):
    before = audit(database_url)
    response = post(supervisor, f"/console/supervision/cuentas/{supervisor_id}/desactivar")
    assert "No puede desactivar su propia cuenta." in page(
        supervisor.client.get(response.location))
    assert account(database_url, "sofia").active and audit(database_url) == before


def test_reactivation(supervisor, agents, supervisor_id, database_url, app):
    post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/desactivar")
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/reactivar")
    assert "La cuenta de luis quedó activa de nuevo." in page(
        supervisor.client.get(response.location))
    assert audit(database_url)[-1] == (supervisor_id, "reactivated", agents["luis"], "")
    assert Console(app).login("luis").status_code == 302
    again = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/reactivar")
    assert "ya estaba activa" in page(supervisor.client.get(again.location))


@pytest.mark.parametrize("suffix", ["", "/desactivar", "/reactivar", "/clave", "/roles"])
@pytest.mark.parametrize("agent_id", ["999", "abc", "-1"])
def test_unknown_accounts_are_404(supervisor, suffix, agent_id):
    path = f"/console/supervision/cuentas/{agent_id}{suffix}"
    response = post(supervisor, path) if suffix else supervisor.client.get(path)
    assert response.status_code == 404
    assert "no existe" in page(response)


# ---------------------------------------------------------------------------- passwords


def test_a_supervisor_sets_a_new_password(supervisor, agents, supervisor_id, database_url, app):
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/clave",
                    {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert "La contraseña de luis quedó cambiada." in page(
        supervisor.client.get(response.location))
    with session_for(database_url) as session:
        assert authenticate(session, "luis", NEW_PASSWORD) is not None
        assert authenticate(session, "luis", PASSWORD) is None
        hashes = [row.password_hash for row in [get_agent(session, agents["luis"])]]
    assert audit(database_url)[-1] == (supervisor_id, "password_reset", agents["luis"], "")
    assert not any(text in str(audit(database_url)) for text in [NEW_PASSWORD, *hashes])


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"password": NEW_PASSWORD, "password_again": "otra-clave-larga-2028"},
         "Las contraseñas no coinciden."),
        ({"password": "corta", "password_again": "corta"}, "al menos 10 caracteres"),
        ({"password": "", "password_again": ""}, "al menos 10 caracteres"),
        ({"password": "x" * 1025, "password_again": "x" * 1025}, "más de 1024 caracteres"),
        ({}, "al menos 10 caracteres"),
    ],
)
def test_bad_new_passwords_are_explained(supervisor, agents, database_url, form, message):
    before = audit(database_url)
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/clave", form)
    assert message in page(supervisor.client.get(response.location))
    assert audit(database_url) == before
    with session_for(database_url) as session:
        assert authenticate(session, "luis", PASSWORD) is not None


# ---------------------------------------------------------------------------- roles


def test_a_supervisor_changes_roles(supervisor, agents, supervisor_id, database_url, app):
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/roles",
                    {"roles": ["supervisor", "agent"]})
    assert ("Los roles de luis quedaron así: Atención del chat, Supervisión." in
            page(supervisor.client.get(response.location)))
    assert audit(database_url)[-1] == (supervisor_id, "roles_changed", agents["luis"],
                                       "roles=agent supervisor; was=agent")
    luis = Console(app)
    luis.login("luis")
    assert luis.client.get("/console/supervision/").status_code == 200
    unchanged = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/roles",
                     {"roles": ["agent", "supervisor"]})
    assert "Los roles de luis no cambiaron." in page(supervisor.client.get(unchanged.location))
    assert [row[1] for row in audit(database_url)].count("roles_changed") == 1


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ([], "Seleccione al menos un rol para la cuenta."),
        (["agent", "admin"], "El rol &#39;admin&#39; no existe."),
        ([PAYLOAD], "no existe"),
    ],
)
def test_bad_roles_are_explained(supervisor, agents, database_url, roles, message):
    before = audit(database_url)
    response = post(supervisor, f"/console/supervision/cuentas/{agents['luis']}/roles",
                    {"roles": roles})
    html = page(supervisor.client.get(response.location))
    assert message in html and PAYLOAD not in html
    assert account(database_url, "luis").roles == "agent" and audit(database_url) == before


def test_a_supervisor_keeps_their_own_supervision(supervisor, supervisor_id, database_url):
    before = audit(database_url)
    response = post(supervisor, f"/console/supervision/cuentas/{supervisor_id}/roles",
                    {"roles": ["agent"]})
    assert "No puede quitarse a sí mismo el rol de supervisión." in page(
        supervisor.client.get(response.location))
    assert account(database_url, "sofia").roles == "agent supervisor"
    assert audit(database_url) == before
    # Other roles of their own may change.
    post(supervisor, f"/console/supervision/cuentas/{supervisor_id}/roles",
         {"roles": ["supervisor", "editor"]})
    assert account(database_url, "sofia").roles == "supervisor editor"


# ---------------------------------------------------------------------------- the log


def test_the_page_shows_the_latest_50_actions(supervisor, agents, supervisor_id, database_url):
    with session_for(database_url) as session:
        luis = get_agent(session, agents["luis"])
        for number in range(60):
            reset_password(session, luis, f"hash-{number}", actor_id=None, at=NOW)
    html = page(supervisor.client.get("/console/supervision/"))
    log = html.split('id="audit-table"')[1]
    assert log.count("<tr>") == 51  # the header and 50 records
    assert "Línea de comandos" in log and "Cambió la contraseña" in log
    detail = page(supervisor.client.get(f"/console/supervision/cuentas/{agents['luis']}"))
    assert detail.split('id="audit-table"')[1].count("Cambió la contraseña") == 50
