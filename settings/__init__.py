"""Every setting of every process, read from the environment (see `.env.example`).

One table (`VARIABLES`, settings/table.py) gives each variable its field of
`Settings`, its parser, its default and its meaning; the defaults that several
modules need are written once in settings/defaults.py. A bad value raises
`SettingError` (a ValueError) whose message names the variable; a process's entry
point turns it into one line and exit code 2 (`current_or_exit`, `refuse`).

Standard library only (and store.clock): the web app, the Rasa server, the action
server and the tools all import it. Nothing is read at import time.
`python -m settings` checks this environment (with `.env`) or prints the table.
"""

from settings.defaults import (
    DEFAULT_CHAT_TOKEN_SECRET,
    DEFAULT_DATABASE_URL,
    DEFAULT_PQRD_URL,
    DEFAULT_RASA_TOKEN,
    DEFAULT_SECRET_KEY,
    DEFAULT_SURVEY_URL,
    DOTENV,
    LOOPBACK,
    ROOT,
)
from settings.dotenv import load_dotenv, load_dotenv_or_exit, read_dotenv, with_dotenv
from settings.parsers import SettingError
from settings.production import deployment, production_problems, startup_refusal
from settings.table import (
    VARIABLES,
    Settings,
    Variable,
    current,
    current_or_exit,
    read,
    refuse,
)

__all__ = [
    "DEFAULT_CHAT_TOKEN_SECRET",
    "DEFAULT_DATABASE_URL",
    "DEFAULT_PQRD_URL",
    "DEFAULT_RASA_TOKEN",
    "DEFAULT_SECRET_KEY",
    "DEFAULT_SURVEY_URL",
    "DOTENV",
    "LOOPBACK",
    "ROOT",
    "VARIABLES",
    "SettingError",
    "Settings",
    "Variable",
    "current",
    "current_or_exit",
    "deployment",
    "load_dotenv",
    "load_dotenv_or_exit",
    "production_problems",
    "read",
    "read_dotenv",
    "refuse",
    "startup_refusal",
    "with_dotenv",
]
