"""Starts the worker of a publication (tools/publish.py) in its own process.

The web app only queues a publication and starts `python -m tools.publish <id>` with
the console's settings in the worker's environment; the worker trains, tests and
loads the model, and reports its steps in the database. A test app can put another
starter in `app.config["PUBLICATION_STARTER"]`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from flask import current_app

from console.settings import ConsoleSettings

CODE_ROOT = Path(__file__).resolve().parent.parent
STARTER = "PUBLICATION_STARTER"


def worker_environment(settings: ConsoleSettings) -> dict[str, str]:
    """This process's environment with the settings the worker needs from the console."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "RASA_SERVER_URLS": ",".join(settings.rasa_server_urls),
        "RASA_TOKEN": settings.rasa_token,
        "RASA_MODEL": settings.rasa_model,
        "DOMAIN_PATH": str(Path(settings.domain_path).resolve()),
        "RASA_TELEMETRY_ENABLED": "false",
    }


def log_path(settings: ConsoleSettings, publication_id: int) -> Path:
    """Where the worker's output goes: var/publications/<id>.log in the project."""
    return settings.project_root / "var" / "publications" / f"{publication_id}.log"


def spawn_worker(settings: ConsoleSettings, publication_id: int) -> None:
    """Starts the worker, and a thread that reaps it when it ends."""
    log = log_path(settings, publication_id)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.publish", str(publication_id)], cwd=CODE_ROOT,
            env=worker_environment(settings), stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True)
    threading.Thread(target=process.wait, name=f"publication-{publication_id}",
                     daemon=True).start()


def start_publication(settings: ConsoleSettings, publication_id: int) -> None:
    """Starts the publication's worker (the app's starter, if a test gave one)."""
    starter = current_app.config.get(STARTER) or spawn_worker
    starter(settings, publication_id)
