"""`TENJO_ENV=production`: the development secrets and plain-HTTP cookies are refused."""

from __future__ import annotations

import os
from collections.abc import Mapping

from settings.defaults import (
    DEFAULT_CHAT_TOKEN_SECRET,
    DEFAULT_RASA_TOKEN,
    DEFAULT_SECRET_KEY,
    MIN_SECRET_LENGTH,
)
from settings.parsers import TRUE
from settings.table import read


def deployment(env: Mapping[str, str] | None = None) -> str:
    """`TENJO_ENV`: development (the default) or production; SettingError for anything else."""
    return read("TENJO_ENV", env)


def _secret_problem(env: Mapping[str, str], name: str, default: str,
                    listed: bool = False) -> str | None:
    """What is wrong with the secret `name` (each of its comma-separated secrets when
    `listed`), or None."""
    value = (env.get(name) or "").strip()
    values = [part.strip() for part in value.split(",")] if listed and value else [value]
    if not value:
        return f"{name} is not set"
    if default in values:
        return f"{name} is the development default"
    if any(len(part) < MIN_SECRET_LENGTH for part in values):
        return f"{name} is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def production_problems(env: Mapping[str, str] | None = None) -> list[str]:
    """Why the assistant may not start as configured, one line per variable.

    Always empty in development. In production: the console's secret key, Rasa's
    token and the secret that signs chat sessions must be set, not the development
    defaults, and at least MIN_SECRET_LENGTH long; the console must send its cookies
    only over HTTPS; `METRICS_TOKEN` may stay unset (/metrics from loopback only), but
    when set it is at least MIN_SECRET_LENGTH long.
    """
    env = os.environ if env is None else env
    if deployment(env) != "production":
        return []
    problems = [
        _secret_problem(env, "CONSOLE_SECRET_KEY", DEFAULT_SECRET_KEY),
        _secret_problem(env, "RASA_TOKEN", DEFAULT_RASA_TOKEN),
        _secret_problem(env, "CHAT_TOKEN_SECRET", DEFAULT_CHAT_TOKEN_SECRET, listed=True),
    ]
    if (env.get("CONSOLE_SECURE_COOKIES") or "").strip().lower() not in TRUE:
        problems.append("CONSOLE_SECURE_COOKIES is not true (production is served over HTTPS)")
    metrics_token = (env.get("METRICS_TOKEN") or "").strip()
    if metrics_token and len(metrics_token) < MIN_SECRET_LENGTH:
        problems.append(f"METRICS_TOKEN is shorter than {MIN_SECRET_LENGTH} characters")
    return [problem for problem in problems if problem]


def startup_refusal(env: Mapping[str, str] | None = None) -> str | None:
    """The message to print before refusing to start, or None when starting is fine
    (`env`: this process's environment by default)."""
    problems = production_problems(env)
    if not problems:
        return None
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (
        f"TENJO_ENV=production: refusing to start with development settings:\n{lines}\n"
        "Set these variables in the environment (see .env.example and docs/security.md)."
    )
