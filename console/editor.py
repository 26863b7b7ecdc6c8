"""The content editors' pages in the console (issue 20): editors only.

- `GET /console/editor/` the FAQ topics by area (topic in plain words, examples) and
  the fact sheet (pending facts first, with the topics each weakens);
- `GET|POST /console/editor/temas/<topic>` a topic's form; POST stores the editor's
  draft ("Guardar borrador"), `POST …/descartar` deletes it;
- `GET|POST /console/editor/datos/<key>` the same for one fact of the sheet;
- `POST /console/editor/api/temas/<topic>/revisar` and `…/api/datos/<key>/revisar`
  check a draft sent as JSON (content.editing's problems, in Spanish) and preview it.

- `POST /console/editor/api/vista-previa`: the preview chat with the editor's drafts
  (console/editor_preview.py);
- `POST /console/editor/publicar`, `/publicaciones…`: publishing the editor's drafts,
  the history and the roll-back (console/editor_publishing.py).

The pages only read the project's files (domain.yml, data/); drafts live in the
database (store/drafts.py), and a publication's worker (tools/publish.py) writes the
files once the change passed every step.
"""

from __future__ import annotations

import logging
from itertools import groupby

import yaml
from flask import Blueprint, current_app, render_template
from flask_login import current_user
from ruamel.yaml.error import YAMLError as RoundTripYAMLError
from werkzeug.exceptions import RequestEntityTooLarge

from console import editor_facts, editor_preview, editor_publishing, editor_topics
from console.auth import require_role
from console.editor_support import InputError, area_name, current_facts, project_root
from console.web import db, problem
from content.answers import weakened_by
from content.changes import EditingError, UnknownItemError
from content.editing import topics
from content.readiness import faq_answers
from content.topic_checks import MAX_ANSWER_CHARS
from store.agents import EDITOR
from store.drafts import FACT, TOPIC, draft_counts, drafts_of_editor

log = logging.getLogger(__name__)
blueprint = Blueprint("editor", __name__, url_prefix="/console/editor")
blueprint.before_request(require_role(EDITOR))

TOO_LARGE = ("El borrador es demasiado grande para revisarlo o guardarlo: la consola acepta "
             "hasta {size} KB por envío. Recorte el texto; una respuesta admite como máximo "
             f"{MAX_ANSWER_CHARS} caracteres.")
UNREADABLE = ("No se pudieron leer los archivos del proyecto: domain.yml o un archivo de "
              "data/ tiene un error de formato. Avise al equipo técnico.")


@blueprint.get("/")
def index():
    """Every FAQ topic by area, and every fact of the sheet, pending ones first."""
    root = project_root()
    listed = topics(root)
    facts, sheet_error = current_facts(root)
    answers = faq_answers(root / "domain.yml")
    weakens: dict[str, list[str]] = {}
    for label, text in sorted(answers.items()):
        for key in weakened_by(text, facts):
            weakens.setdefault(key, []).append(label.removeprefix("faq/"))
    ordered = sorted(facts.values(), key=lambda fact: (fact.sayable, fact.key))
    areas = [(area_name(area), list(group))
             for area, group in groupby(listed, key=lambda summary: summary.area)]
    return render_template(
        "editor_index.html", areas=areas, facts=ordered, weakens=weakens,
        facts_error=sheet_error, topic_drafts=draft_counts(db(), TOPIC),
        fact_drafts=draft_counts(db(), FACT), pending=sum(not f.sayable for f in ordered),
        my_drafts=[(editor_publishing.item_name(draft.kind, draft.item_key),
                    editor_publishing.item_url(draft.kind, draft.item_key))
                   for draft in drafts_of_editor(db(), current_user.id)],
        running=editor_publishing.current_publication(),
        statuses=editor_facts.STATUS_LABELS)


for rule, endpoint, view, methods in (
    ("/temas/<topic>", "topic", editor_topics.page, ["GET"]),
    ("/temas/<topic>", "save_topic", editor_topics.save, ["POST"]),
    ("/temas/<topic>/descartar", "discard_topic", editor_topics.discard, ["POST"]),
    ("/api/temas/<topic>/revisar", "check_topic", editor_topics.check, ["POST"]),
    ("/datos/<key>", "fact", editor_facts.page, ["GET"]),
    ("/datos/<key>", "save_fact", editor_facts.save, ["POST"]),
    ("/datos/<key>/descartar", "discard_fact", editor_facts.discard, ["POST"]),
    ("/api/datos/<key>/revisar", "check_fact", editor_facts.check, ["POST"]),
    ("/api/vista-previa", "preview", editor_preview.preview, ["POST"]),
    ("/publicar", "publish", editor_publishing.publish, ["POST"]),
    ("/publicaciones", "publications", editor_publishing.history, ["GET"]),
    ("/publicaciones/<int:number>", "publication", editor_publishing.publication, ["GET"]),
    ("/publicaciones/<int:number>/deshacer", "undo", editor_publishing.undo, ["POST"]),
    ("/api/publicaciones/<int:number>", "publication_state",
     editor_publishing.publication_state, ["GET"]),
):
    blueprint.add_url_rule(rule, endpoint, view, methods=methods)


@blueprint.errorhandler(InputError)
def _input_error(error: InputError):
    return problem(error.status, error.message)


@blueprint.errorhandler(UnknownItemError)
def _unknown_item(error: UnknownItemError):
    return problem(404, str(error))


@blueprint.errorhandler(EditingError)
def _not_editable(error: EditingError):
    return problem(409, str(error))


@blueprint.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    return problem(413, TOO_LARGE.format(size=limit // 1024))


@blueprint.errorhandler(yaml.YAMLError)
@blueprint.errorhandler(RoundTripYAMLError)
def _unreadable(error: Exception):
    log.error("the editor could not read the project's files: %s", error)
    return problem(409, UNREADABLE)
