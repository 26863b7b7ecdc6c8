"""`python -m console create-agent`: accounts from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from console.accounts import authenticate
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
