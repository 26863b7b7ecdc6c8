"""Loading a model into every running Rasa server, all or none (issue 20).

Rasa's HTTP API loads a model with `PUT /model` {"model_file": path} (rasa/server.py:
the new agent replaces the old one once loaded; conversations live in the tracker
store, so none is dropped). The file must be readable by each server at that path.
`load_everywhere` loads the servers one after the other, so a scaled installation
keeps a replica answering; when one fails, the ones already switched get the previous
model back, and `LoadError` says which server failed and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import requests

LOAD_TIMEOUT_SECONDS = 600


class LoadError(Exception):
    """A server did not load the model: `server` and Rasa's answer."""

    def __init__(self, server: str, message: str) -> None:
        super().__init__(f"{server}: {message}")
        self.server = server
        self.message = message


def load_model(server: str, token: str, model_file: Path,
               timeout: float = LOAD_TIMEOUT_SECONDS) -> None:
    """Loads `model_file` into one server; LoadError when it does not answer 204."""
    try:
        response = requests.put(f"{server}/model", params={"token": token},
                                json={"model_file": str(Path(model_file).resolve())},
                                timeout=timeout)
    except requests.RequestException as error:
        raise LoadError(server, f"no answer ({error.__class__.__name__})") from error
    if response.status_code != 204:
        raise LoadError(server, f"HTTP {response.status_code}: {response.text[:300]}")


def load_everywhere(servers: Sequence[str], token: str, model_file: Path,
                    previous_file: Path | None) -> None:
    """Loads the model into every server; on a failure, puts `previous_file` back into
    those already switched, then raises the LoadError."""
    switched: list[str] = []
    for server in servers:
        try:
            load_model(server, token, model_file)
        except LoadError:
            if previous_file is not None:
                for done in switched:
                    try:
                        load_model(done, token, previous_file)
                    except LoadError:
                        continue  # reported with the first error: nothing more to do here
            raise
        switched.append(server)


def server_status(server: str, token: str, timeout: float = 10) -> dict:
    """Rasa's `GET /status` of one server ({} when it does not answer)."""
    try:
        response = requests.get(f"{server}/status", params={"token": token}, timeout=timeout)
        return response.json() if response.ok else {}
    except (requests.RequestException, ValueError):
        return {}
