"""`.env` in `make run`, `make run-scaled` and the tests' stacks: overrides > the process's
environment > .env > defaults; a bad value or line stops them naming it (exit code 2)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from settings import ROOT
from tools import stack as stack_module
from tools.scaled import scaled_env
from tools.stack import checked_env, stack_env

NAMES = ("DATABASE_URL", "WEB_PORT", "RASA_PORT", "RASA_MODEL", "SCALED_PORT", "EXTRA_FROM_FILE",
         "TENJO_ENV", "REDIS_URL", "RATE_LIMIT_SECONDS", "HOLIDAY_COUNTRY")


@pytest.fixture
def dotenv(tmp_path, monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / ".env"
    path.write_text(
        "# the file\n"
        "DATABASE_URL=sqlite:///from-file.db\n"
        "WEB_PORT=8100\n"
        "RASA_PORT=5100\n"
        "SCALED_PORT=9100\n"
        "export EXTRA_FROM_FILE='kept'\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("WEB_PORT", "8200")
    monkeypatch.setenv("RASA_PORT", "5200")
    return path


def test_stack_env_precedence(dotenv):
    env = stack_env({"RASA_PORT": "5300"}, dotenv=dotenv)
    assert env["RASA_PORT"] == "5300"  # an override wins over everything
    assert env["WEB_PORT"] == "8200"  # the environment wins over .env
    assert env["DATABASE_URL"] == "sqlite:///from-file.db"  # .env wins over the default
    assert env["RASA_MODEL"] == "models/tenjo.tar.gz"  # the default
    assert env["EXTRA_FROM_FILE"] == "kept"
    assert env["ACTIONS_URL"] == f"http://127.0.0.1:{env['ACTIONS_PORT']}/webhook"


def test_without_a_file_nothing_is_read(dotenv, tmp_path):
    for path in (None, tmp_path / "missing.env"):
        env = stack_env(dotenv=path)
        assert env["DATABASE_URL"] == "sqlite:///var/tenjo.db"
        assert "EXTRA_FROM_FILE" not in env


def test_scaled_env_precedence(dotenv):
    env = scaled_env({"SCALED_PORT": "9300"}, dotenv=dotenv)
    assert env["SCALED_PORT"] == "9300"
    assert env["SCALED_PUBLIC_URL"] == "http://127.0.0.1:9300"
    assert env["DATABASE_URL"] == "sqlite:///from-file.db"  # .env over the scaled default
    assert env["WEB_PORT"] == "8200"
    assert env["REDIS_URL"] == "redis://127.0.0.1:6379/0"  # the scaled default
    assert env["RASA_ENDPOINTS"] == "endpoints.scaled.yml"
    assert env["EXTRA_FROM_FILE"] == "kept"
    env = scaled_env(dotenv=dotenv)
    assert env["SCALED_PORT"] == "9100"


def test_the_default_file_is_the_one_at_the_root():
    assert stack_env.__defaults__[-1] == ROOT / ".env"
    assert scaled_env.__defaults__[-1] == ROOT / ".env"


@pytest.fixture
def no_signal_handlers(monkeypatch):
    monkeypatch.setattr(stack_module.signal, "signal", lambda *args: None)


def test_a_malformed_line_stops_make_run_naming_it(dotenv, no_signal_handlers, capsys):
    dotenv.write_text("GOOD=1\nNOT A SETTING\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        checked_env(lambda: stack_env(dotenv=dotenv))
    assert exit_.value.code == 2
    assert f"{dotenv}, line 2: expected NAME=value" in capsys.readouterr().err


def test_a_bad_value_in_the_file_stops_make_run_naming_it(dotenv, no_signal_handlers, capsys):
    dotenv.write_text("RATE_LIMIT_SECONDS=abc\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        checked_env(lambda: scaled_env(dotenv=dotenv))
    assert exit_.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "Configuration error: RATE_LIMIT_SECONDS must be a positive number of seconds, not 'abc'")


def _run(*command: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in NAMES}
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env={**clean, **env}, capture_output=True,
        text=True, timeout=120, start_new_session=True,
    )


@pytest.mark.parametrize(("command", "prefix"), [
    (("-m", "tools.stack"), "Configuration error: "),
    (("-m", "tools.scaled"), "Configuration error: "),
    (("-m", "console", "serve"), "Error de configuración: "),
    (("-m", "store.migrate"), "Configuration error: "),
    (("-m", "tools.privacy", "purge", "--dry-run"), "Error de configuración: "),
    (("-m", "settings"), "Configuration error: "),
])
def test_each_entry_point_refuses_a_bad_value_in_one_line(command, prefix, tmp_path):
    done = _run(*command, RATE_LIMIT_SECONDS="abc", DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"{prefix}RATE_LIMIT_SECONDS must be a positive number of seconds, not 'abc'")
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.db").exists()


def test_make_run_checks_the_holiday_country_as_the_action_server_will(tmp_path):
    done = _run("-m", "tools.stack", HOLIDAY_COUNTRY="XX",
                DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("Configuration error: HOLIDAY_COUNTRY: 'XX' is not a country")
