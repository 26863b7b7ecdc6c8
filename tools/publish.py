"""Publishes an editor's drafts, or rolls a publication back, in its own process.

    python -m tools.publish <publication id>

The console queues the publication (store/publications.py) and starts this process
with its settings in the environment. Nothing reaches the running assistant before
every step has passed:

1. preparing: a copy of the project (config, domain, data/, the conversation tests)
   gets the drafts (content/publication.py), or, for a roll-back, the files as they
   were before the publication undone;
2. checking: `make check`'s checks on the copy (tools/check.py);
3. training: `rasa train` on the copy, with the project's training cache: an answer
   changed alone only repackages the model; a fact changed alone trains nothing (the
   action server rereads the sheet); a roll-back reuses the previous model when kept;
4. testing: the conversation tests on the new model, as `make conversation-tests`
   runs them (tools/conversation_tests.py: the dialogue and the stories' messages);
5. loading: under the project's edit lock, the files are written, and the model is
   loaded into every Rasa server (RASA_SERVER_URLS). If any server fails, the files
   and the servers go back to what they were.

Every refusal and failure is recorded with its reason in Spanish for the editor.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from content.changes import ChangeRejected, ConflictError, EditingError, editable_paths
from content.coverage import CODE_FOLDERS
from content.publication import apply_draft
from content.yaml_lines import project_lock, write_atomically
from settings.table import Settings
from store.clock import Clock, system_clock
from store.db import session_for
from store.drafts import delete_draft, draft_body, get_draft
from store.models import Publication
from store.publications import (
    FAILED,
    PUBLISHED,
    REFUSED,
    ROLLBACK,
    Outcome,
    beat,
    claim_publication,
    files_of,
    finish_publication,
    get_publication,
    items_of,
    record_step,
)
from tools.check import CODE_ROOT, run_checks
from tools.conversation_tests import RESULTS as CONVERSATION_RESULTS
from tools.rasa_servers import LoadError, load_everywhere

log = logging.getLogger("tools.publish")

FACTS = "data/facts.yml"
PUBLISHED_MODELS = "models/published"
MODELS_KEPT = 3  # publications whose models stay on disk for a roll-back without training
HEARTBEAT_SECONDS = 5.0
# Examples changed: the share of config.yml's epochs the NLU trains on from the served
# model's weights (docs/editores.md has the measured time and the NLU figures).
FINETUNE_EPOCHS = 0.1
OUTPUT_KEPT = 6000  # characters of a failing step's output kept for the technical team

NO_CHANGES = "No hay cambios que publicar: los archivos ya dicen lo mismo que sus borradores."
REFUSED_CHECK = ("El cambio no pasa las revisiones del proyecto (make check), así que no se "
                 "publicó. Revise: {heads}.")
TRAINING_FAILED = ("No se pudo entrenar el asistente con el cambio. El asistente sigue "
                   "con la versión anterior. Avise al equipo técnico.")
REFUSED_TESTS = ("El cambio hace fallar pruebas de conversación, así que no se publicó. El "
                 "asistente sigue igual. Pruebas que fallan: {stories}.")
TESTS_BROKEN = ("No se pudieron correr las pruebas de conversación. El asistente sigue con "
                "la versión anterior. Avise al equipo técnico.")
FILES_MOVED = ("Mientras se preparaba la publicación, otra persona cambió los mismos "
               "archivos. No se publicó nada; sus borradores siguen guardados. Vuelva a "
               "publicar.")
LOAD_FAILED = ("El asistente no pudo cargar la nueva versión ({server}). Sigue con la versión "
               "anterior y los archivos no cambiaron. Avise al equipo técnico.")
UNEXPECTED = ("Ocurrió un error inesperado al publicar. El asistente sigue con la versión "
              "anterior. Avise al equipo técnico.")
ROLLBACK_MOVED = ("Después de esa publicación se publicaron otros cambios en los mismos "
                  "archivos. Deshaga primero la publicación más reciente.")
ROLLBACK_UNKNOWN = "La publicación que se quiere deshacer no existe o no llegó al asistente."


class Refusal(Exception):
    """The publication stops: its status (REFUSED or FAILED), reason and details."""

    def __init__(self, status: str, reason: str, details: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.details = details


@dataclass
class Job:
    """One publication being run: where, by what clock, and what it measured."""

    publication_id: int
    root: Path
    settings: Settings
    clock: Clock = system_clock
    timings: dict[str, float] = field(default_factory=dict)

    def session(self):
        """A new session on the app's database."""
        return session_for(self.settings.database_url)

    @property
    def model_file(self) -> Path:
        """The model a restart serves (RASA_MODEL, relative to the project)."""
        return self.root / self.settings.rasa_model

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Records the step, and its duration in `timings`."""
        with self.session() as session:
            record_step(session, self.publication_id, name, self.clock())
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = round(time.monotonic() - started, 1)


def copy_project(root: Path, target: Path) -> None:
    """What training and the checks read: config, domain, data/, the conversation
    tests, and the code that names responses (the coverage check reads it)."""
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(root / name, target / name)
    shutil.copytree(root / "data", target / "data")
    for folder in CODE_FOLDERS:
        shutil.copytree(root / folder, target / folder,
                        ignore=lambda _folder, names: [n for n in names if not (
                            n.endswith(".py") or (Path(_folder) / n).is_dir())
                            or n == "__pycache__"])
    (target / "tests").mkdir()
    for story in sorted((root / "tests").glob("test_*_stories.yml")):
        shutil.copy2(story, target / "tests" / story.name)


def read_files(root: Path, paths) -> dict[str, bytes | None]:
    """The bytes of each file (None: missing)."""
    return {path: (root / path).read_bytes() if (root / path).exists() else None
            for path in paths}


def as_text(files: Mapping[str, bytes | None]) -> dict[str, str | None]:
    """Files as stored in the publication."""
    return {path: None if data is None else data.decode("utf-8") for path, data in files.items()}


def unified(before: Mapping[str, bytes | None], after: Mapping[str, bytes | None]) -> str:
    """The diff of every changed file, as `git diff` names them."""
    from content.changes import unified_diff

    return "".join(unified_diff(path, (before[path] or b"").decode("utf-8"),
                                (after[path] or b"").decode("utf-8")) for path in sorted(after))


def _tail(text: str) -> str:
    return text if len(text) <= OUTPUT_KEPT else "…\n" + text[-OUTPUT_KEPT:]


def prepare(job: Job, publication: Publication, staging: Path) -> None:
    """Puts the drafts (or the roll-back's files) into the copy."""
    if publication.kind == ROLLBACK:
        with job.session() as session:
            target = get_publication(session, publication.rollback_of or 0)
            if target is None or target.status != PUBLISHED:
                raise Refusal(REFUSED, ROLLBACK_UNKNOWN)
            after, before = files_of(target.files_after), files_of(target.files_before)
        now = as_text(read_files(job.root, after))
        if now != after:
            raise Refusal(REFUSED, ROLLBACK_MOVED)
        for path, text in before.items():
            if text is None:
                (staging / path).unlink(missing_ok=True)
            else:
                write_atomically(staging / path, text.encode("utf-8"))
        return
    for item in items_of(publication):
        try:
            apply_draft(staging, item)
        except ConflictError as error:
            raise Refusal(REFUSED, f"{_item_name(item)}: {error}") from error
        except ChangeRejected as error:
            problems = " ".join(str(problem) for problem in error.problems)
            raise Refusal(REFUSED, f"{_item_name(item)}: no se puede publicar así. "
                                   f"{problems}") from error
        except EditingError as error:
            raise Refusal(REFUSED, f"{_item_name(item)}: {error}") from error


def _item_name(item: Mapping) -> str:
    kind = "Tema" if item.get("kind") == "topic" else "Hecho"
    return f"{kind} «{item.get('key')}»"


def check(staging: Path) -> None:
    """make check's checks on the copy."""
    results = run_checks(staging)
    failed = [result for result in results if not result.passed]
    if failed:
        details = "\n".join(f"== {result.heading}\n{result.output}" for result in failed)
        raise Refusal(REFUSED, REFUSED_CHECK.format(
            heads=", ".join(result.heading for result in failed)),
            _tail(details.replace(str(staging) + "/", "")))


def _rasa(*arguments: str) -> list[str]:
    return [str(Path(sys.executable).with_name("rasa")), *arguments]


def _environment() -> dict[str, str]:
    # The training cache as `make train` sizes it (Makefile: RASA_MAX_CACHE_SIZE).
    return {"RASA_MAX_CACHE_SIZE": "4000", **os.environ, "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2"}


def train(staging: Path, finetune: Path | None = None) -> Path:
    """`rasa train` on the copy, from the code's folder (its training cache, .rasa/).

    With `finetune` (examples changed), the NLU starts from that model's weights and
    trains a fraction of its epochs (Rasa's incremental training): minutes instead of
    the half hour of a training from scratch, which `make train` still does.
    """
    command = _rasa("train", "--domain", str(staging / "domain.yml"), "--config",
                    str(staging / "config.yml"), "--data", str(staging / "data"), "--out",
                    str(staging / "models"), "--fixed-model-name", "candidate")
    if finetune is not None:
        command += ["--finetune", str(finetune), "--epoch-fraction", str(FINETUNE_EPOCHS)]
    result = subprocess.run(command, cwd=CODE_ROOT, env=_environment(), capture_output=True,
                            text=True)
    model = staging / "models" / "candidate.tar.gz"
    if result.returncode != 0 or not model.exists():
        raise Refusal(FAILED, TRAINING_FAILED, _tail(result.stdout + result.stderr))
    return model


def conversation_tests(staging: Path, model: Path) -> None:
    """The conversation tests on the new model, as `make conversation-tests` runs them
    (tools/conversation_tests.py: the dialogue, and the stories' own messages)."""
    results = staging / "results"
    command = [sys.executable, "-m", "tools.conversation_tests", "--model", str(model),
               "--stories", str(staging / "tests"), "--out", str(results)]
    result = subprocess.run(command, cwd=CODE_ROOT, env=_environment(), capture_output=True,
                            text=True)
    if result.returncode == 0:
        return
    try:
        found = json.loads((results / CONVERSATION_RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        found = {}
    failures = [*found.get("failed_stories", []), *(
        f"«{item['text']}» se entendería como {item['understood']} y la prueba "
        f"«{item['story']}» espera {item['expected']}" for item in found.get("misunderstood", []))]
    if not failures:
        raise Refusal(FAILED, TESTS_BROKEN, _tail(result.stdout + result.stderr))
    raise Refusal(REFUSED, REFUSED_TESTS.format(stories="; ".join(failures)),
                  _tail(result.stdout))


def needs_model(changed: list[str]) -> bool:
    """A change of the fact sheet alone needs no model: the action server rereads it."""
    return any(path != FACTS for path in changed)


def training_kind(changed: list[str]) -> str:
    """'full' when examples changed (the NLU trains), else 'answers' (repackaged)."""
    return "full" if any(path.startswith("data/nlu/") for path in changed) else "answers"


def _link(source: Path, target: Path) -> None:
    """`target` becomes the same file as `source` (a hard link; a copy across disks)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        os.link(source, temporary)
    except OSError:
        shutil.copy2(source, temporary)
    os.replace(temporary, target)


def go_live(job: Job, base: Mapping[str, bytes | None], staged: Mapping[str, bytes | None],
            model: Path | None) -> tuple[str, str]:
    """Writes the files and loads the model everywhere, or leaves both as they were.

    Returns the model published and the previous one (both "" when the model stayed).
    """
    root, changed = job.root, list(staged)
    with project_lock(root):
        if read_files(root, changed) != {path: base[path] for path in changed}:
            raise Refusal(REFUSED, FILES_MOVED)
        for path in changed:
            if staged[path] is None:
                (root / path).unlink(missing_ok=True)
            else:
                write_atomically(root / path, staged[path])
        if model is None:
            return "", ""
        published = root / PUBLISHED_MODELS / f"{job.publication_id}.tar.gz"
        previous = root / PUBLISHED_MODELS / f"{job.publication_id}-before.tar.gz"
        try:
            if model != published:
                _link(model, published)
            if job.model_file.exists():
                _link(job.model_file, previous)
            load_everywhere(job.settings.rasa_server_urls, job.settings.rasa_token, published,
                            previous if previous.exists() else None)
            _link(published, job.model_file)
        except BaseException as error:
            for path in changed:
                if base[path] is None:
                    (root / path).unlink(missing_ok=True)
                else:
                    write_atomically(root / path, base[path])
            if isinstance(error, LoadError):
                raise Refusal(FAILED, LOAD_FAILED.format(server=error.server), str(error)) \
                    from error
            raise
    return (str(published.relative_to(root)),
            str(previous.relative_to(root)) if previous.exists() else "")


def prune_models(root: Path, keep: set[str]) -> None:
    """Deletes the published models no kept publication names."""
    folder = root / PUBLISHED_MODELS
    for model in folder.glob("*.tar.gz") if folder.exists() else ():
        if str(model.relative_to(root)) not in keep:
            model.unlink(missing_ok=True)


def _kept_models(job: Job) -> set[str]:
    from sqlalchemy import select

    with job.session() as session:
        query = (select(Publication).where(Publication.status == PUBLISHED)
                 .order_by(Publication.id.desc()).limit(MODELS_KEPT))
        return {name for publication in session.scalars(query)
                for name in (publication.model_file, publication.previous_model_file) if name}


def publish(job: Job, publication: Publication) -> Outcome:
    """Every step of the publication; a Refusal stops it."""
    root = job.root
    with tempfile.TemporaryDirectory(prefix=f"publication-{job.publication_id}-") as folder:
        staging = Path(folder)
        with job.step("preparing"):
            copy_project(root, staging)
            paths = sorted(set(editable_paths(root)) | set(editable_paths(staging)))
            base = read_files(root, paths)
            prepare(job, publication, staging)
            after = read_files(staging, paths)
            changed = [path for path in paths if after[path] != base[path]]
            if not changed:
                raise Refusal(REFUSED, NO_CHANGES)
        with job.step("checking"):
            check(staging)
        model, training = None, "none"
        if needs_model(changed):
            model = _reusable_model(job, publication)
            if model is None:
                training = training_kind(changed)
                with job.step("training"):
                    model = train(staging, job.model_file if training == "full"
                                  and job.model_file.exists() else None)
                with job.step("testing"):
                    conversation_tests(staging, model)
        with job.step("loading"):
            staged = {path: after[path] for path in changed}
            model_file, previous = go_live(job, base, staged, model)
    return Outcome(PUBLISHED, diff=unified({p: base[p] for p in changed}, staged),
                   files_before=as_text({p: base[p] for p in changed}),
                   files_after=as_text(staged), model_file=model_file,
                   previous_model_file=previous, training=training, timings=job.timings)


def _reusable_model(job: Job, publication: Publication) -> Path | None:
    """For a roll-back, the model served before the publication undone, when kept."""
    if publication.kind != ROLLBACK:
        return None
    with job.session() as session:
        target = get_publication(session, publication.rollback_of or 0)
        name = target.previous_model_file if target else ""
    model = job.root / name if name else None
    return model if model is not None and model.exists() else None


def _heartbeat(job: Job, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        with job.session() as session:
            beat(session, job.publication_id, job.clock())


def run(job: Job) -> Outcome | None:
    """Claims the publication and runs it to its end; None when it was not queued."""
    with job.session() as session:
        if not claim_publication(session, job.publication_id, job.clock()):
            return None
        publication = get_publication(session, job.publication_id)
        session.expunge(publication)
    stop = threading.Event()
    beating = threading.Thread(target=_heartbeat, args=(job, stop), daemon=True)
    beating.start()
    started = time.monotonic()
    try:
        outcome = publish(job, publication)
    except Refusal as refusal:
        outcome = Outcome(refusal.status, refusal.reason, refusal.details, timings=job.timings)
    except Exception:  # noqa: BLE001 - recorded for the editor, logged for the team
        log.exception("publication %s failed", job.publication_id)
        outcome = Outcome(FAILED, UNEXPECTED, _tail(traceback.format_exc()), timings=job.timings)
    finally:
        stop.set()
        beating.join()
    job.timings["total"] = round(time.monotonic() - started, 1)
    outcome = Outcome(**{**outcome.__dict__, "timings": job.timings})
    with job.session() as session:
        finish_publication(session, job.publication_id, outcome, job.clock())
        if outcome.status == PUBLISHED:
            drop_published_drafts(session, publication)
    if outcome.status == PUBLISHED:
        prune_models(job.root, _kept_models(job))
    return outcome


def drop_published_drafts(session, publication: Publication) -> None:
    """Deletes the editor's drafts that were published as they are (a draft typed on
    since the publication was queued stays)."""
    for item in items_of(publication):
        kind, key = str(item.get("kind")), str(item.get("key"))
        with contextlib.suppress(ValueError):
            draft = get_draft(session, kind, key, publication.agent_id)
            if draft is not None and draft_body(draft) == item.get("body"):
                delete_draft(session, kind, key, publication.agent_id)


def main(argv: list[str] | None = None, clock: Callable = system_clock) -> int:
    """Runs the publication named on the command line; 0 when published."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1 or not arguments[0].isdigit():
        print("usage: python -m tools.publish <publication id>", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    job = Job(int(arguments[0]), Path(settings.domain_path).resolve().parent, settings, clock)
    outcome = run(job)
    if outcome is None:
        print(f"publication {arguments[0]} is not queued", file=sys.stderr)
        return 2
    print(json.dumps({"status": outcome.status, "reason": outcome.reason,
                      "timings": outcome.timings}, ensure_ascii=False))
    return 0 if outcome.status == PUBLISHED else 1


if __name__ == "__main__":
    sys.exit(main())
