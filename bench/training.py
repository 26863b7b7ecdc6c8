"""Training both assistants in the run's temporary folder, timed: from scratch, then answer-only.

Ours is trained in a copy of its project (config, domain, data) with its own cache;
the stock one is `rasa init --no-prompt`. Each is retrained after one response text
changed, and the model size is recorded. Ours is then "retrained" after a fact of
`data/facts.yml` changed: the fact sheet is not training data (the action server
rereads it), so Rasa trains no component (every one comes from its cache, as after
no change at all; `make train` does not even call Rasa).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from bench.log import log
from bench.processes import BARE_CREDENTIALS, MAIN_BIN
from content.facts import load_fact_sheet, update_fact
from tools.stack import ROOT


def timed(command: list[str], cwd: Path, env: dict[str, str], log_file: Path) -> float:
    """Runs a command to the end (must succeed); its wall seconds."""
    started = time.perf_counter()
    with log_file.open("ab") as out:
        subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    return time.perf_counter() - started


def _edit_first_answer(domain: Path, marker: str) -> None:
    """Appends a sentence to the first response text after `marker` (answer-only change)."""
    lines = domain.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if marker in line)
    for i in range(start + 1, len(lines)):
        if "- text:" in lines[i]:
            block = lines[i].rstrip().endswith(("|-", "|", ">-", ">"))
            quoted = not block and lines[i].rstrip().endswith('"')
            target = i + 1 if block else i
            lines[target] = lines[target].rstrip("\n").rstrip('"') + " Gracias."
            lines[target] += '"\n' if quoted else "\n"
            break
    domain.write_text("".join(lines), encoding="utf-8")


def _confirm_first_pending_fact(sheet: Path) -> None:
    """Gives the first pending fact a value and confirms it (a fact-only change)."""
    key = next(key for key, fact in load_fact_sheet(sheet).items() if not fact.sayable)
    update_fact(sheet, key, {"value": "Calle 1 # 2-3", "status": "confirmed",
                             "source": "acta de prueba", "source_kind": "official",
                             "confirmed_by": "Banco de pruebas", "confirmed_on": "2026-12-06"})


def train_tenjo(work: Path, logs: Path) -> dict:
    """Our assistant trained from scratch in a copy of its project, then answer-only."""
    project = work / "tenjo"
    project.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "data", project / "data")
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    train = [str(MAIN_BIN / "rasa"), "train", "--fixed-model-name", "tenjo", "--out", "models"]
    log("training this assistant from scratch (4 to 10 minutes on a 2-core machine)")
    scratch = timed(train, project, env, logs / "train-tenjo.log")
    model = work / "tenjo.tar.gz"
    shutil.copy(project / "models" / "tenjo.tar.gz", model)
    _edit_first_answer(project / "domain.yml", "utter_faq/")
    log("retraining after an answer-only change")
    answer_only = timed(train, project, env, logs / "train-tenjo.log")
    _confirm_first_pending_fact(project / "data" / "facts.yml")
    log("retraining after a fact-only change (nothing to train)")
    fact_log = logs / "train-tenjo-fact-only.log"
    fact_only = timed(train, project, env, fact_log)
    trained_components = fact_log.read_text(encoding="utf-8").count(
        "Starting to train component")
    return {"scratch_s": round(scratch, 1), "answer_only_s": round(answer_only, 1),
            "fact_only_s": round(fact_only, 1),
            "fact_only_components_trained": trained_components,
            "model_mb": round(model.stat().st_size / 2**20, 1), "model": str(model)}


def train_bare(work: Path, logs: Path) -> dict:
    """`rasa init --no-prompt` (scaffold and training from scratch), then answer-only."""
    project = work / "bare"
    project.mkdir()
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    log("rasa init --no-prompt: the stock assistant, trained from scratch")
    scratch = timed([str(MAIN_BIN / "rasa"), "init", "--no-prompt", "--init-dir", "."],
                    project, env, logs / "train-bare.log")
    first = max((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    size = first.stat().st_size
    _edit_first_answer(project / "domain.yml", "utter_happy:")
    answer_only = timed([str(MAIN_BIN / "rasa"), "train"], project, env,
                        logs / "train-bare.log")
    (project / "credentials.yml").write_text(BARE_CREDENTIALS, encoding="utf-8")
    return {"scratch_s": round(scratch, 1), "answer_only_s": round(answer_only, 1),
            "model_mb": round(size / 2**20, 1), "model": str(project / "models")}
