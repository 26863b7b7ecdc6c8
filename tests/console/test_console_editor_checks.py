"""The content editor's live checks (issue 20): a draft sent as JSON gets exactly
content.editing's problems and a preview of the answer; bad input gets a clear 400, 404
or 413 in Spanish, never a 500; nothing is ever written."""

from __future__ import annotations

import dataclasses
import json

import pytest
from console_support import PQRD_URL
from editor_pages import FACT, TOPIC, copy_project, create_editors, files, logged_in

from content.changes import MARKUP_MESSAGE
from content.coverage import MIN_FAQ_EXAMPLES
from content.editing import TopicChange, check_change, check_fact, load_topic
from content.facts import update_fact
from content.topic_checks import MAX_ANSWER_CHARS

TOPIC_API = f"/console/editor/api/temas/{TOPIC}/revisar"
FACT_API = f"/console/editor/api/datos/{FACT}/revisar"


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


@pytest.fixture
def settings(settings, project):
    return dataclasses.replace(settings, domain_path=project / "domain.yml",
                               facts_path=project / "data/facts.yml")


@pytest.fixture
def eva(app, database_url, agents):
    create_editors(database_url)
    return logged_in(app, "eva")


@pytest.fixture
def current(project):
    return load_topic(project, TOPIC)


@pytest.fixture
def check(eva, project):
    """Posts a draft to a check API; asserts the project's files did not change."""
    token = eva.token("/console/editor/")

    def post(body, path=TOPIC_API):
        before = files(project)
        response = eva.post_json(path, body, token=token)
        assert response.status_code != 500
        assert files(project) == before
        return response

    return post


def draft(current, **changes):
    """The topic's form as sent by the page, with some parts changed."""
    body = {"answer_blocks": list(current.answer_blocks), "paraphrase": current.paraphrase,
            "remove_examples": [], "new_examples": ""}
    return {**body, **changes}


def expected(project, body) -> list[dict]:
    """What content.editing.check_change says about the same draft."""
    change = TopicChange(answer_blocks=tuple(body["answer_blocks"]),
                         paraphrase=body["paraphrase"],
                         add_examples=tuple(line for line in body["new_examples"].splitlines()
                                            if line.strip()),
                         remove_examples=tuple(body["remove_examples"]))
    return [{**dataclasses.asdict(problem), "where": problem.where}
            for problem in check_change(project, TOPIC, change)]


def test_the_topic_as_it_is_has_no_problems(check, current):
    response = check(draft(current))
    assert response.status_code == 200
    body = response.get_json()
    assert body["problems"] == [] and body["revision"] == current.revision
    assert body["facts_error"] == ""
    assert [block["number"] for block in body["preview"]] == [1, 2, 3]


def test_an_exclamation_mark_and_tu_are_style_problems_of_their_block(check, current, project):
    body = draft(current, answer_blocks=["¡Hola! Tú puede consultar el SISBÉN.",
                                         *current.answer_blocks[1:]])
    problems = check(body).get_json()["problems"]
    assert problems == expected(project, body)
    assert [(p["block"], p["rule"]) for p in problems] == [(1, "no-exclamation"),
                                                          (1, "no-tuteo")]
    assert problems[0]["message"] == ("Signo de admiración «¡» y «!»: el protocolo no los "
                                      "permite.")
    assert problems[1]["message"] == "Tuteo en «Tú»: trate al ciudadano de usted."
    assert problems[0]["where"] == "Bloque 1"


def test_the_paraphrase_is_checked_too(check, current, project):
    body = draft(current, paraphrase="tu SISBÉN!")
    problems = check(body).get_json()["problems"]
    assert problems == expected(project, body)
    assert {p["rule"] for p in problems} == {"paraphrase-ending", "no-exclamation", "no-tuteo"}
    assert all(p["field"] == "paraphrase" for p in problems)


def test_an_unknown_fact_is_a_problem_and_its_block_is_left_out(check, current, project):
    body = draft(current, answer_blocks=[*current.answer_blocks[:2],
                                         "La oficina atiende en {fact:oficina_sisben}."])
    response = check(body).get_json()
    assert response["problems"] == expected(project, body)
    assert [(p["block"], p["rule"]) for p in response["problems"]] == [(3, "fact-unknown")]
    assert "El hecho «oficina_sisben» no está en la ficha de hechos" in (
        response["problems"][0]["message"])
    third = response["preview"][2]
    assert (third["text"], third["alternative"]) == ("", 0)
    assert "El ciudadano no recibe este bloque" in third["note"]
    assert "no están en la ficha: oficina_sisben" in third["note"]


def test_a_block_that_only_names_a_pending_fact_is_shown_as_omitted(check, current):
    body = draft(current, answer_blocks=[current.answer_blocks[0],
                                         f"La oficina atiende en {{fact:{FACT}}}."])
    response = check(body).get_json()
    assert [p["rule"] for p in response["problems"]] == ["fact-block-silent"]
    omitted = response["preview"][1]
    assert omitted["text"] == "" and f"pendientes en la ficha: {FACT}" in omitted["note"]


def test_the_preview_fills_the_facts_the_links_and_picks_the_alternative(check, current,
                                                                         project):
    body = draft(current, answer_blocks=[*current.answer_blocks,
                                         "Radique su solicitud en {pqrd_url}"])
    preview = check(body).get_json()["preview"]
    assert preview[0]["text"].startswith("Sobre el SISBÉN: la encuesta clasifica")
    assert "{fact:" not in json.dumps(preview) and "|| " not in json.dumps(preview)
    third = preview[2]
    assert (third["alternative"], third["alternatives"]) == (2, 3)
    assert "www.tenjo-cundinamarca.gov.co" in third["text"]
    assert third["note"].startswith("Se dice la alternativa 2 de 3") and FACT in third["note"]
    assert preview[3]["text"] == f"Radique su solicitud en {PQRD_URL}"
    update_fact(project / "data/facts.yml", FACT, {
        "value": "la calle 3 # 4-10", "status": "confirmed", "source": "Oficio 12",
        "source_kind": "official", "confirmed_by": "Eva Torres", "confirmed_on": "2026-12-01"})
    third = check(body).get_json()["preview"][2]
    assert third["alternative"] == 1 and third["note"] == ""
    assert third["text"].endswith("La oficina del SISBÉN de Tenjo atiende en la calle 3 # 4-10.")


def test_a_blank_line_inside_a_block_is_previewed_as_it_would_be_stored(check, current):
    preview = check(draft(current, answer_blocks=["Primera línea.\n\n  Segunda línea.  ",
                                                  ""]))
    shown = preview.get_json()["preview"]
    assert shown[0]["text"] == "Primera línea. Segunda línea."
    assert shown[1] == {"number": 2, "text": "", "alternative": 0, "alternatives": 0,
                        "note": "El bloque está vacío: no se envía."}


def test_markup_is_refused_and_previewed_as_plain_text(check, current, project):
    block = 'Vea <b>aquí</b> o <a href="javascript:alert(1)">esto</a>.'
    body = draft(current, answer_blocks=[block], new_examples="<script>alert(1)</script>")
    response = check(body).get_json()
    assert response["problems"] == expected(project, body)
    markup = [p for p in response["problems"] if p["rule"] == "markup"]
    assert [(p["field"], p["block"], p["example"]) for p in markup] == [
        ("block", 1, None), ("example", None, "<script>alert(1)</script>")]
    assert all(p["message"] == MARKUP_MESSAGE for p in markup)
    assert response["preview"][0]["text"] == block  # the page puts it in with textContent


def test_removing_examples_below_the_minimum_is_a_problem(check, current, project):
    keep = MIN_FAQ_EXAMPLES - 1
    body = draft(current, remove_examples=list(current.examples[keep:]))
    problems = check(body).get_json()["problems"]
    assert problems == expected(project, body)
    assert [(p["field"], p["rule"]) for p in problems] == [("examples", "faq-examples")]
    assert problems[0]["message"] == (f"El tema quedaría con {keep} ejemplos y necesita al "
                                      f"menos {MIN_FAQ_EXAMPLES}. Agregue ejemplos o quite "
                                      "menos.")


def test_new_examples_one_per_line_are_checked_each(check, current, project):
    body = draft(current, new_examples="hola que tal\n\n  como saco la encuesta del sisben hoy\n"
                                       f"{current.examples[0]}\n")
    problems = check(body).get_json()["problems"]
    assert problems == expected(project, body)
    assert [(p["example"], p["rule"]) for p in problems] == [
        ("hola que tal", "duplicate-example"), (current.examples[0], "duplicate-example")]
    assert problems[0]["where"] == "Ejemplo «hola que tal»"
    assert "Ya es un ejemplo de greet" in problems[0]["message"]


def test_a_long_answer_within_the_request_limit_is_a_problem(check, current):
    problems = check(draft(current, answer_blocks=["Texto largo. " * 800])).get_json()[
        "problems"]
    assert [p["rule"] for p in problems] == ["answer-length"]
    assert problems[0]["message"].endswith(f"el máximo es {MAX_ANSWER_CHARS}. Recórtela: "
                                           "cada bloque llega como un mensaje.")


@pytest.mark.parametrize("path", [TOPIC_API, FACT_API])
def test_a_100_kb_draft_gets_413_in_spanish(check, current, path):
    body = draft(current, answer_blocks=["a" * 100_000]) if path == TOPIC_API else {
        "value": "a" * 100_000}
    response = check(body, path)
    assert response.status_code == 413
    assert response.get_json()["error"].startswith(
        "El borrador es demasiado grande para revisarlo o guardarlo: la consola acepta hasta "
        "64 KB por envío.")


@pytest.mark.parametrize("body, message", [
    ({"answer_blocks": "Un solo texto"},
     "El campo «bloques de la respuesta» debe ser una lista de textos."),
    ({"answer_blocks": ["Bien.", 3]},
     "El campo «bloques de la respuesta» debe ser una lista de textos."),
    ({"answer_blocks": [None]}, "El campo «bloques de la respuesta» debe ser una lista de textos."),
    ({"paraphrase": 12}, "El campo «tema en palabras sencillas» debe ser un texto."),
    ({"paraphrase": ["a"]}, "El campo «tema en palabras sencillas» debe ser un texto."),
    ({"remove_examples": [{"a": 1}]},
     "El campo «ejemplos que se quitan» debe ser una lista de textos."),
    ({"new_examples": ["uno", "dos"]}, "El campo «ejemplos nuevos» debe ser un texto."),
    ({"answer_blocks": ["Bloque."] * 21},
     "El campo «bloques de la respuesta» admite como máximo 20 elementos."),
    ({"new_examples": "\n".join(f"ejemplo {n}" for n in range(201))},
     "Agregue como máximo 200 ejemplos a la vez."),
    ({"answer": ["Bien."]}, "El borrador tiene campos que esta página no conoce: answer."),
])
def test_fields_of_the_wrong_kind_get_400_in_spanish(check, body, message):
    response = check(body)
    assert response.status_code == 400
    assert response.get_json() == {"error": message}


@pytest.mark.parametrize("data, content_type", [
    ("[1, 2]", "application/json"),
    ('"texto"', "application/json"),
    ("{no es json", "application/json"),
    ("answer_blocks=hola", "application/x-www-form-urlencoded"),
])
def test_a_body_that_is_not_a_json_object_gets_400(eva, data, content_type):
    token = eva.token("/console/editor/")
    response = eva.client.post(TOPIC_API, data=data, content_type=content_type,
                               headers={"X-CSRFToken": token, "Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("Envíe el borrador como un objeto JSON")


def test_a_check_without_the_csrf_token_is_refused(eva):
    response = eva.client.post(TOPIC_API, json={}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "El formulario caducó o no es válido" in response.get_json()["error"]


def test_an_unknown_topic_or_fact_gets_404_in_json(check):
    response = check({"answer_blocks": ["Hola."]}, "/console/editor/api/temas/alumbrado/revisar")
    assert response.status_code == 404
    assert response.get_json()["error"].startswith("No hay un tema «alumbrado»")
    response = check({"value": "1"}, "/console/editor/api/datos/no_existe/revisar")
    assert response.status_code == 404
    assert response.get_json() == {"error": "No hay un hecho con la clave «no_existe» en la "
                                            "ficha."}


def test_a_part_left_out_of_the_check_is_not_checked(check):
    response = check({"paraphrase": "la encuesta del SISBÉN"}).get_json()
    assert response["problems"] == [] and len(response["preview"]) == 3


# --- facts ---------------------------------------------------------------------------

def fact_expected(project, body) -> list[dict]:
    return [{**dataclasses.asdict(problem), "where": problem.where}
            for problem in check_fact(project, FACT, body)]


def test_a_fact_value_with_exclamation_marks_and_tu(check, project):
    body = {"value": "¡Tu oficina está en la calle 3!", "status": "pending"}
    response = check(body, FACT_API).get_json()
    assert response["problems"] == fact_expected(project, body)
    assert [(p["field"], p["rule"]) for p in response["problems"]] == [
        ("value", "no-exclamation"), ("value", "no-tuteo")]
    assert response["problems"][0]["where"] == "Valor"
    assert response["sayable"] is False
    assert response["summary"].startswith("Este borrador no se podría publicar así")


def test_confirming_a_fact_without_its_source_is_a_problem(check, project):
    body = {"value": "Calle 3 # 4-10", "status": "confirmed", "source": "", "source_kind": "",
            "confirmed_by": "", "confirmed_on": ""}
    problems = check(body, FACT_API).get_json()["problems"]
    assert problems == fact_expected(project, body)
    assert [(p["field"], p["rule"]) for p in problems] == [("fact", "fact-sheet")]
    assert "Un hecho confirmado necesita source, source_kind, confirmed_by, confirmed_on" in (
        problems[0]["message"])


def test_a_confirmed_fact_strengthens_the_topics_that_name_it(check, project):
    body = {"value": "la calle 3 # 4-10", "status": "confirmed", "source": "Oficio 12",
            "source_kind": "official", "confirmed_by": "Eva Torres",
            "confirmed_on": "2026-12-01"}
    response = check(body, FACT_API).get_json()
    assert response["problems"] == []
    assert response["sayable"] is True
    assert {"topic": "sisben", "weakened": False, "url": "/console/editor/temas/sisben",
            "note": "la respuesta lo dice"} in response["topics"]
    pending = check({"status": "pending"}, FACT_API).get_json()
    assert next(t for t in pending["topics"] if t["topic"] == "sisben")["weakened"] is True
    assert pending["sayable"] is False


@pytest.mark.parametrize("body, status, message", [
    ({"value": 311}, 400, "El campo «valor» debe ser un texto."),
    ({"status": True}, 400, "El campo «estado» debe ser un texto."),
    ({"confirmed_on": ["2026-12-01"]}, 400, "El campo «fecha de confirmación» debe ser un texto."),
    ({"scope": "tenjo"}, 400, "El borrador tiene campos que esta página no conoce: scope."),
])
def test_fact_fields_of_the_wrong_kind_get_400(check, body, status, message):
    response = check(body, FACT_API)
    assert (response.status_code, response.get_json()) == (status, {"error": message})


def test_a_fact_with_markup_and_a_long_value(check, project):
    body = {"value": "<b>" + "x" * 600, "source": "javascript:alert(1)"}
    problems = check(body, FACT_API).get_json()["problems"]
    assert problems == fact_expected(project, body)
    assert {(p["field"], p["rule"]) for p in problems} >= {
        ("value", "markup"), ("value", "fact-length"), ("source", "markup")}


def test_a_file_that_is_not_yaml_gets_409_in_json(check, current, project):
    (project / "data/facts.yml").write_text("facts: [\n", encoding="utf-8")
    for body, path in ((draft(current, new_examples="como saco el sisben"), TOPIC_API),
                       ({"value": "1"}, FACT_API)):
        response = check(body, path)
        assert response.status_code == 409
        assert response.get_json()["error"].endswith(
            "tiene un error de formato. Avise al equipo técnico.")
