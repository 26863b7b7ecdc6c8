"""tools/stack.py in production: refuses development secrets, binds Rasa to loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tools.stack import ROOT, commands, stack_env

SECURITY_VARIABLES = (
    "TENJO_ENV", "CONSOLE_SECRET_KEY", "RASA_TOKEN", "CHAT_TOKEN_SECRET",
    "CONSOLE_SECURE_COOKIES", "RASA_INTERFACE", "SANIC_HOST",
)
GOOD = {
    "TENJO_ENV": "production",
    "CONSOLE_SECRET_KEY": "k3-a-long-random-console-secret-value",
    "RASA_TOKEN": "t0-a-long-random-rasa-token-value",
    "CHAT_TOKEN_SECRET": "c1-a-long-random-chat-token-secret",
    "CONSOLE_SECURE_COOKIES": "true",
}


def run_stack(tmp_path, **env: str) -> subprocess.CompletedProcess:
    """`python -m tools.stack` with a missing model: it stops before starting anything."""
    clean = {k: v for k, v in os.environ.items() if k not in SECURITY_VARIABLES}
    clean.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'stack.db'}",
        RASA_MODEL=str(tmp_path / "no-model.tar.gz"),
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "tools.stack"], cwd=ROOT, env=clean,
        capture_output=True, text=True, timeout=60, start_new_session=True,
    )


def test_production_with_defaults_exits_2_before_starting_anything(tmp_path):
    started = time.monotonic()
    done = run_stack(tmp_path, TENJO_ENV="production")
    assert done.returncode == 2, done.stderr
    assert time.monotonic() - started < 30
    for name in ("CONSOLE_SECRET_KEY", "RASA_TOKEN", "CHAT_TOKEN_SECRET", "CONSOLE_SECURE_COOKIES"):
        assert name in done.stderr
    assert "No model" not in done.stderr  # refused even before looking for the model
    assert "Starting" not in done.stdout
    assert not (tmp_path / "stack.db").exists()


def test_production_with_a_development_secret_names_only_that_one(tmp_path):
    done = run_stack(tmp_path, **{**GOOD, "RASA_TOKEN": "dev-token-change-me"})
    assert done.returncode == 2
    assert "RASA_TOKEN is the development default" in done.stderr
    assert "CONSOLE_SECRET_KEY" not in done.stderr


def test_an_unknown_environment_exits_2(tmp_path):
    done = run_stack(tmp_path, TENJO_ENV="staging")
    assert done.returncode == 2
    assert "TENJO_ENV" in done.stderr


def test_good_production_settings_and_development_pass_the_check(tmp_path):
    for env in (GOOD, {}):
        done = run_stack(tmp_path, **env)
        assert done.returncode == 1, done.stderr  # the next check: no model, nothing started
        assert "No model" in done.stderr


def test_production_binds_rasa_and_the_action_server_to_loopback(monkeypatch):
    for name in SECURITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = stack_env(GOOD)
    rasa = commands(env)["rasa"]
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert "--auth-token" in rasa and "--enable-api" in rasa
    assert env["SANIC_HOST"] == "127.0.0.1"

    env = stack_env({**GOOD, "RASA_INTERFACE": "10.1.2.3", "SANIC_HOST": "0.0.0.0"})
    rasa = commands(env)["rasa"]
    assert rasa[rasa.index("--interface") + 1] == "10.1.2.3"
    assert env["SANIC_HOST"] == "0.0.0.0"


def test_development_keeps_rasas_default_interface(monkeypatch):
    for name in SECURITY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    env = stack_env()
    assert "--interface" not in commands(env)["rasa"]
    assert "SANIC_HOST" not in env
    env = stack_env({"RASA_INTERFACE": "127.0.0.1"})
    assert "--interface" in commands(env)["rasa"]
