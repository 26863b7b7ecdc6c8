"""`python -m console create-agent` and `reset-password`: accounts from the command line,
each action in the audit log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.accounts import authenticate
from store.agents import agent_by_username
from store.audit import recent_records
from store.db import session_for

ROOT = Path(__file__).resolve().parents[2]


def create_agent(database_url: str, *args: str, password: str = "clave-segura-123"):
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TENJO_FAKE_NOW", None)
    return subprocess.run(
        [sys.executable, "-m", "console", "create-agent", *args, "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )


def test_create_agent_then_log_in_and_duplicate_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = create_agent(url, "MTorres", "--name", "Marta Torres")
    assert done.returncode == 0, done.stderr
    assert "Cuenta creada: mtorres (Marta Torres)." in done.stdout
    with session_for(url) as session:
        agent = authenticate(session, "mtorres", "clave-segura-123")
        assert agent is not None and agent.display_name == "Marta Torres"
        assert agent.password_hash.startswith("$argon2id$")
        assert authenticate(session, "mtorres", "clave-segura-124") is None

    again = create_agent(url, "mtorres", "--name", "Otra Persona")
    assert again.returncode == 1
    assert "Ya existe una cuenta con el usuario 'mtorres'." in again.stderr


def test_create_agent_refuses_a_short_password(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = create_agent(url, "luis", "--name", "Luis", password="corta")
    assert done.returncode == 1
    assert "al menos 10 caracteres" in done.stderr


def console_command(database_url: str, *args: str, stdin: str = "clave-segura-123\n"):
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TENJO_FAKE_NOW", None)
    return subprocess.run([sys.executable, "-m", "console", *args], input=stdin,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def audit_rows(url: str) -> list[tuple]:
    with session_for(url) as session:
        return [(r.actor_id, r.action, r.target_id, r.detail)
                for r in reversed(recent_records(session, 100))]


def test_create_a_supervisor_and_reset_a_password(tmp_path):
    """--roles gives the first supervisor; both actions are logged with no actor (the
    command line) and never with the password."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    done = create_agent(url, "sofia", "--name", "Sofía Castro", "--roles", "supervisor agent")
    assert done.returncode == 0, done.stderr
    assert "Roles: Atención del chat, Supervisión." in done.stdout
    reset = console_command(url, "reset-password", "SOFIA", "--password-stdin",
                            stdin="clave-nueva-2027\n")
    assert reset.returncode == 0, reset.stderr
    assert "Contraseña cambiada: sofia." in reset.stdout
    with session_for(url) as session:
        sofia = agent_by_username(session, "sofia")
        assert sofia.roles == "agent supervisor"
        assert authenticate(session, "sofia", "clave-nueva-2027") is not None
        assert authenticate(session, "sofia", "clave-segura-123") is None
    assert audit_rows(url) == [(None, "created", sofia.id, "roles=agent supervisor"),
                               (None, "password_reset", sofia.id, "")]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create-agent", "ana", "--name", "Ana", "--roles", "root"], "clave-segura-123\n",
         "El rol 'root' no existe. Los roles son: agent, supervisor, editor."),
        (["create-agent", "ana", "--name", "Ana", "--roles", ""], "clave-segura-123\n",
         "Seleccione al menos un rol para la cuenta."),
        (["reset-password", "nadie"], "clave-segura-123\n",
         "No existe una cuenta con el usuario 'nadie'."),
        (["reset-password", "luis"], "corta\n", "al menos 10 caracteres"),
    ],
)
def test_refused_commands_change_nothing(tmp_path, args, stdin, message):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert create_agent(url, "luis", "--name", "Luis").returncode == 0
    done = console_command(url, *args, "--password-stdin", stdin=stdin)
    assert done.returncode == 1
    assert message in done.stderr
    assert [row[1] for row in audit_rows(url)] == ["created"]
    with session_for(url) as session:
        assert authenticate(session, "luis", "clave-segura-123") is not None
        assert agent_by_username(session, "ana") is None
