"""Publishing the editors' drafts, the history of publications, and the roll-back.

- `POST /console/editor/publicar`: the signed-in editor's drafts are checked against
  the files as they are now; a problem or a conflict sends the editor back with the
  reasons, nothing queued. Otherwise the publication is queued and its worker started
  (console/publisher.py, tools/publish.py), and the editor follows it on its page.
- `GET /console/editor/publicaciones`: the history (who, when, what, the result);
- `GET /console/editor/publicaciones/<id>`: one publication, its steps and its diff;
  `GET /console/editor/api/publicaciones/<id>` its state as JSON, which the page polls;
- `POST /console/editor/publicaciones/<id>/deshacer`: the roll-back of the latest
  publication, published the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from console.editor_support import project_root, when
from console.publisher import start_publication
from console.web import db, now, services
from content.changes import EditingError, UnknownItemError
from content.editing import check_change, check_fact, load_fact, load_topic
from content.publication import FACT, TOPIC, change_of_topic, fact_fields
from store.drafts import draft_body, drafts_of_editor
from store.models import ContentDraft, Publication
from store.publications import (
    FAILED,
    PUBLISHED,
    QUEUED,
    REFUSED,
    ROLLBACK,
    RUNNING,
    PublicationBusy,
    active_publication,
    fail_stalled,
    files_of,
    get_publication,
    items_of,
    latest_published,
    queue_publication,
    recent_publications,
    rolled_back,
    timings_of,
)

# A worker reports every few seconds: this long a silence means it is gone.
STALL_SECONDS = 90
STATUS_LABELS = {QUEUED: "En cola", RUNNING: "En curso", PUBLISHED: "Publicada",
                 REFUSED: "No publicada", FAILED: "Falló"}
STEP_LABELS = {
    "preparing": "Preparando una copia con el cambio",
    "checking": "Revisando el cambio (make check)",
    "training": "Entrenando el asistente",
    "testing": "Corriendo las pruebas de conversación",
    "loading": "Cargando la nueva versión en el asistente",
}
TRAINING_LABELS = {"none": "sin entrenar", "answers": "respuestas (modelo reempaquetado)",
                   "full": "ejemplos (entrenamiento completo)"}
NO_DRAFTS = "No tiene borradores que publicar. Guarde un borrador primero."
BUSY = ("Hay una publicación en curso (de {name}, {when}). Espere a que termine y vuelva "
        "a publicar: sus borradores siguen guardados.")
STALLED = ("La publicación se interrumpió: su proceso dejó de responder. El asistente sigue "
           "con la versión que tenía. Vuelva a publicar o avise al equipo técnico.")
NOT_PUBLISHABLE = "Sus borradores no se publicaron: corrija lo señalado y vuelva a publicar."
CONFLICT = ("{name} cambió en los archivos desde que empezó su borrador. Ábralo, revise la "
            "versión actual y guarde su borrador sobre ella.")
NOT_UNDOABLE = ("Solo se puede deshacer la última publicación que llegó al asistente, y una "
                "sola vez.")
QUEUED_ROLLBACK = "Se pidió deshacer la publicación {number}."


@dataclass(frozen=True)
class DraftIssue:
    """Why one of the editor's drafts cannot be published now."""

    name: str
    url: str
    messages: tuple[str, ...]


def item_name(kind: str, key: str) -> str:
    """A draft's item as editors read it: «Tema sisben», «Hecho alcaldia_direccion»."""
    return f"{'Tema' if kind == TOPIC else 'Hecho'} «{key}»"


def item_url(kind: str, key: str) -> str:
    """The item's page in the editor."""
    return (url_for("editor.topic", topic=key) if kind == TOPIC
            else url_for("editor.fact", key=key))


def draft_issues(drafts: list[ContentDraft]) -> list[DraftIssue]:
    """What stops each draft, checked on the files as they are now."""
    root, issues = project_root(), []
    for draft in drafts:
        name, body = item_name(draft.kind, draft.item_key), draft_body(draft)
        try:
            if draft.kind == TOPIC:
                revision = load_topic(root, draft.item_key).revision
                problems = check_change(root, draft.item_key, change_of_topic(body))
            else:
                revision = load_fact(root, draft.item_key).revision
                problems = check_fact(root, draft.item_key, fact_fields(body))
        except (UnknownItemError, EditingError) as error:
            issues.append(DraftIssue(name, url_for("editor.index"), (str(error),)))
            continue
        messages = [str(problem) for problem in problems]
        if revision != draft.base_revision:
            messages.insert(0, CONFLICT.format(name=name))
        if messages:
            issues.append(DraftIssue(name, item_url(draft.kind, draft.item_key),
                                     tuple(messages)))
    return issues


def _queue(items: list[dict], **kind) -> Publication | None:
    """Queues and starts a publication; None (and the reason flashed) when busy."""
    session = db()
    fail_stalled(session, now(), STALL_SECONDS, STALLED)
    try:
        publication = queue_publication(session, current_user.id, items, now(), **kind)
    except PublicationBusy as busy:
        flash(BUSY.format(name=busy.current.editor.display_name,
                          when=when(busy.current.created_at)), "error")
        return None
    start_publication(services().settings, publication.id)
    return publication


def publish():
    """`POST /console/editor/publicar`: the editor's drafts, all together."""
    drafts = drafts_of_editor(db(), current_user.id)
    if not drafts:
        flash(NO_DRAFTS, "error")
        return redirect(url_for("editor.index"))
    issues = draft_issues(drafts)
    if issues:
        return render_template("editor_refused.html", issues=issues,
                               message=NOT_PUBLISHABLE), 409
    items = [{"kind": draft.kind, "key": draft.item_key,
              "base_revision": draft.base_revision, "body": draft_body(draft)}
             for draft in drafts]
    publication = _queue(items)
    if publication is None:
        return redirect(url_for("editor.index"))
    return redirect(url_for("editor.publication", number=publication.id))


def undoable(publication: Publication) -> bool:
    """Only the latest publication that reached the assistant, not yet undone."""
    latest = latest_published(db())
    return (latest is not None and latest.id == publication.id
            and rolled_back(db(), publication.id) is None)


def undo(number: int):
    """`POST /console/editor/publicaciones/<id>/deshacer`: queues the roll-back."""
    publication = get_publication(db(), number) or abort(404)
    if not undoable(publication):
        flash(NOT_UNDOABLE, "error")
        return redirect(url_for("editor.publication", number=number))
    queued = _queue([], kind=ROLLBACK, rollback_of=publication.id)
    if queued is None:
        return redirect(url_for("editor.publication", number=number))
    flash(QUEUED_ROLLBACK.format(number=number), "info")
    return redirect(url_for("editor.publication", number=queued.id))


def state(publication: Publication) -> dict:
    """A publication's state for the page's script."""
    return {
        "id": publication.id, "status": publication.status,
        "status_label": STATUS_LABELS.get(publication.status, publication.status),
        "step": publication.step, "step_label": STEP_LABELS.get(publication.step, ""),
        "finished": publication.finished_at is not None, "reason": publication.reason,
        "timings": timings_of(publication),
    }


def history():
    """`GET /console/editor/publicaciones`."""
    session = db()
    fail_stalled(session, now(), STALL_SECONDS, STALLED)
    listed = recent_publications(session)
    latest = latest_published(session)
    can_undo = latest.id if latest and rolled_back(session, latest.id) is None else None
    return render_template("editor_publications.html", publications=listed, when=when,
                           statuses=STATUS_LABELS, items_of=items_of, item_name=item_name,
                           can_undo=can_undo, timings_of=timings_of)


def publication(number: int):
    """`GET /console/editor/publicaciones/<id>`."""
    fail_stalled(db(), now(), STALL_SECONDS, STALLED)
    found = get_publication(db(), number) or abort(404)
    return render_template(
        "editor_publication.html", publication=found, state=state(found), when=when,
        items=[(item_name(item.get("kind"), item.get("key")),
                item_url(item.get("kind"), item.get("key"))) for item in items_of(found)],
        files=sorted(files_of(found.files_after)), undoable=undoable(found),
        steps=STEP_LABELS, trainings=TRAINING_LABELS,
        undone_by=rolled_back(db(), found.id))


def publication_state(number: int):
    """`GET /console/editor/api/publicaciones/<id>`."""
    fail_stalled(db(), now(), STALL_SECONDS, STALLED)
    found = get_publication(db(), number) or abort(404)
    return jsonify(state(found))


def current_publication() -> Publication | None:
    """The publication queued or running, for the index page."""
    return active_publication(db())


__all__ = ["FACT", "TOPIC", "current_publication", "history", "publication",
           "publication_state", "publish", "undo"]
