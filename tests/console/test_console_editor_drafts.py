"""Drafts in the content editor (issue 20): "Guardar borrador" stores what the editor
typed in the database, never in the project's files; the page brings it back, tells the
editor when the files changed since, and shows other editors' drafts of the same item."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pytest
from console_support import NOW, PASSWORD, PAYLOAD, csrf_token
from editor_pages import FACT, TOPIC, copy_project, create_editors, files, logged_in

from console.accounts import create_agent_account
from content.editing import TopicChange, apply_change, load_fact, load_topic
from content.facts import update_fact
from store.db import session_for
from store.drafts import FACT as FACT_KIND
from store.drafts import TOPIC as TOPIC_KIND
from store.drafts import draft_body, drafts_of_item, get_draft

PAGE = f"/console/editor/temas/{TOPIC}"
FACT_PAGE = f"/console/editor/datos/{FACT}"
SAVED_AT = "el 1 de diciembre de 2026 a las 09:00"  # NOW, in Bogotá


@pytest.fixture
def project(tmp_path):
    return copy_project(tmp_path / "project")


@pytest.fixture
def settings(settings, project):
    return dataclasses.replace(settings, domain_path=project / "domain.yml",
                               facts_path=project / "data/facts.yml")


@pytest.fixture
def editors(database_url, agents):
    return create_editors(database_url)


@pytest.fixture
def eva(app, editors):
    return logged_in(app, "eva")


@pytest.fixture
def pablo(app, editors):
    return logged_in(app, "pablo")


@pytest.fixture
def current(project):
    return load_topic(project, TOPIC)


def save(browser, path: str, fields: dict, follow: bool = True):
    """Posts the page's form with `fields` (and its CSRF token)."""
    token = csrf_token(browser.client.get(path).get_data(as_text=True))
    return browser.client.post(path, data={"csrf_token": token, **fields},
                               follow_redirects=follow)


def topic_fields(current, **changes) -> dict:
    fields = {"base_revision": current.revision, "block": list(current.answer_blocks),
              "paraphrase": current.paraphrase, "remove_example": [], "new_examples": ""}
    return {**fields, **changes}


def blocks_of(page: str) -> list[str]:
    return [unescape(text) for text in
            re.findall(r'<textarea id="block-\d+" name="block"[^>]*>(.*?)</textarea>', page, re.S)]


def checked_examples(page: str) -> list[str]:
    return [unescape(value) for value in
            re.findall(r'name="remove_example" value="([^"]*)" checked>', page)]


def test_a_topic_draft_is_saved_in_the_database_not_in_the_files(eva, current, project,
                                                                 database_url, editors):
    before = files(project)
    fields = topic_fields(current, block=["Primer bloque nuevo.", "Segundo bloque."],
                          paraphrase="la encuesta del SISBÉN",
                          remove_example=[current.examples[3], current.examples[7]],
                          new_examples="como me inscribo al sisben\nq es el sisben")
    response = save(eva, PAGE, fields, follow=False)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert files(project) == before
    with session_for(database_url) as session:
        draft = get_draft(session, TOPIC_KIND, TOPIC, editors["eva"])
        assert draft.base_revision == current.revision
        assert draft_body(draft) == {
            "answer_blocks": ["Primer bloque nuevo.", "Segundo bloque."],
            "paraphrase": "la encuesta del SISBÉN",
            "remove_examples": [current.examples[3], current.examples[7]],
            "new_examples": "como me inscribo al sisben\nq es el sisben"}


def test_the_saved_draft_comes_back_as_it_was_typed(eva, current):
    fields = topic_fields(current, block=["Primer bloque nuevo.\n|| Otra forma.", ""],
                          paraphrase="  la encuesta del SISBÉN ",
                          remove_example=[current.examples[3]],
                          new_examples="como me inscribo al sisben\n\nq es el sisben\n")
    page = save(eva, PAGE, fields).get_data(as_text=True)
    assert "Se guardó su borrador. Los archivos del proyecto no cambiaron." in page
    assert f"Está viendo su borrador, guardado {SAVED_AT}." in page
    assert blocks_of(page) == ["Primer bloque nuevo.\n|| Otra forma.", ""]
    assert 'name="paraphrase" value="  la encuesta del SISBÉN "' in page
    assert checked_examples(page) == [current.examples[3]]
    new = re.search(r'name="new_examples"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert unescape(new) == "como me inscribo al sisben\n\nq es el sisben\n"
    assert f'name="base_revision" id="base-revision" value="{current.revision}"' in page
    assert "Descartar mi borrador" in page and "Otra persona" not in page


def test_a_draft_keeps_markup_as_text_and_the_page_escapes_it(eva, current):
    page = save(eva, PAGE, topic_fields(current, block=[PAYLOAD], paraphrase=PAYLOAD,
                                        new_examples=PAYLOAD)).get_data(as_text=True)
    assert PAYLOAD not in page and "<script>alert" not in page
    assert blocks_of(page) == [PAYLOAD]


def test_a_removed_example_that_left_the_files_stays_in_the_draft(eva, current, project):
    gone = current.examples[5]
    save(eva, PAGE, topic_fields(current, remove_example=[gone]))
    apply_change(project, TOPIC, TopicChange(remove_examples=(gone,)), current.revision)
    page = eva.client.get(PAGE).get_data(as_text=True)
    assert checked_examples(page) == [gone]


def test_another_editors_draft_is_said_and_each_keeps_their_own_text(eva, pablo, current):
    save(eva, PAGE, topic_fields(current, block=["El texto de Eva."]))
    page = pablo.client.get(PAGE).get_data(as_text=True)
    assert (f"Eva Torres también tiene un borrador de este tema, guardado {SAVED_AT}. Cada "
            "borrador es independiente: pónganse de acuerdo antes de publicar.") in page
    assert blocks_of(page) == list(current.answer_blocks)  # Pablo sees the files, not Eva's
    assert "Está viendo su borrador" not in page

    page = save(pablo, PAGE, topic_fields(current, block=["El texto de Pablo."])).get_data(
        as_text=True)
    assert blocks_of(page) == ["El texto de Pablo."]
    assert "Eva Torres también tiene un borrador" in page
    page = eva.client.get(PAGE).get_data(as_text=True)
    assert blocks_of(page) == ["El texto de Eva."]
    assert "Pablo Ruiz también tiene un borrador de este tema" in page
    listing = eva.client.get("/console/editor/").get_data(as_text=True)
    row = re.search(r'<tr data-topic="sisben">(.*?)</tr>', listing, re.S).group(1)
    assert row.rstrip().endswith("<td>2</td>")


def test_the_other_editors_name_is_escaped(app, database_url, current, eva):
    create_agent_account(database_url, "ines", "Inés O'Neil & \"Cía\"", PASSWORD, NOW,
                         roles="editor")
    save(logged_in(app, "ines"), PAGE, topic_fields(current))
    page = eva.client.get(PAGE).get_data(as_text=True)
    assert "Inés O&#39;Neil &amp; &#34;Cía&#34; también tiene un borrador de este tema" in page


def test_files_changed_since_the_draft_are_said_and_the_draft_is_kept(eva, current, project,
                                                                      clock):
    save(eva, PAGE, topic_fields(current, block=["Mi versión del bloque."]))
    applied = apply_change(project, TOPIC, TopicChange(paraphrase="la encuesta del SISBÉN"),
                           current.revision)
    clock.advance(3600)
    page = eva.client.get(PAGE).get_data(as_text=True)
    assert ("Los archivos cambiaron desde que usted empezó este borrador (lo guardó "
            f"{SAVED_AT}). Abajo sigue su texto, tal como lo dejó.") in page
    assert blocks_of(page) == ["Mi versión del bloque."]
    assert "El tema como está ahora en los archivos" in page
    assert "la encuesta del SISBÉN</p>" in page  # the current paraphrase, to compare
    assert f'id="base-revision" value="{current.revision}"' in page
    assert "Guardar sobre la versión actual" in page

    # saving again keeps the old base: the notice stays until the editor takes the new one
    page = save(eva, PAGE, topic_fields(current, block=["Mi versión, retocada."])).get_data(
        as_text=True)
    assert "Los archivos cambiaron desde que usted empezó este borrador" in page
    page = save(eva, PAGE, topic_fields(current, block=["Mi versión, retocada."],
                                        rebase="1")).get_data(as_text=True)
    assert "Los archivos cambiaron" not in page
    assert f'id="base-revision" value="{applied.revision}"' in page
    assert blocks_of(page) == ["Mi versión, retocada."]
    assert "Está viendo su borrador, guardado el 1 de diciembre de 2026 a las 10:00." in page


def test_a_form_opened_before_the_files_changed_is_saved_on_its_own_base(eva, current,
                                                                         project):
    apply_change(project, TOPIC, TopicChange(paraphrase="la encuesta del SISBÉN"),
                 current.revision)
    page = save(eva, PAGE, topic_fields(current)).get_data(as_text=True)  # the old revision
    assert "Los archivos cambiaron desde que usted empezó este borrador" in page


def test_discarding_shows_the_files_again(eva, current, database_url, editors):
    save(eva, PAGE, topic_fields(current, block=["Borrador que se descarta."]))
    page = save(eva, f"{PAGE}/descartar", {}).get_data(as_text=True)
    assert "Se descartó su borrador." in page
    assert blocks_of(page) == list(current.answer_blocks)
    with session_for(database_url) as session:
        assert drafts_of_item(session, TOPIC_KIND, TOPIC) == []
    token = csrf_token(page)
    again = eva.client.post(f"{PAGE}/descartar", data={"csrf_token": token},
                            follow_redirects=True)
    assert "No tenía un borrador de este tema." in again.get_data(as_text=True)


@pytest.mark.parametrize("changes, message", [
    ({"base_revision": "../../etc"}, "La versión de base del formulario no es válida."),
    ({"base_revision": "a" * 65}, "La versión de base del formulario no es válida."),
    ({"block": ["Bloque."] * 21},
     "El campo «bloques de la respuesta» admite como máximo 20 elementos."),
])
def test_a_bad_form_gets_400_in_spanish(eva, current, database_url, changes, message):
    response = save(eva, PAGE, topic_fields(current, **changes), follow=False)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with session_for(database_url) as session:
        assert drafts_of_item(session, TOPIC_KIND, TOPIC) == []


def test_a_form_over_the_request_limit_gets_413_in_spanish(eva, current):
    response = save(eva, PAGE, topic_fields(current, block=["a" * 70_000]), follow=False)
    assert response.status_code == 413
    assert "El borrador es demasiado grande" in response.get_data(as_text=True)


def test_saving_an_unknown_topic_or_fact_is_404(eva):
    token = eva.token("/console/editor/")
    for path in ("/console/editor/temas/alumbrado", "/console/editor/datos/no_existe"):
        response = eva.client.post(path, data={"csrf_token": token, "block": "x"})
        assert response.status_code == 404


# --- facts ---------------------------------------------------------------------------

FACT_FIELDS = {"value": "Calle 3 # 4-10, segundo piso", "status": "confirmed",
               "source": "Oficio 12 de la Alcaldía", "source_kind": "official",
               "confirmed_by": "Eva Torres", "confirmed_on": "2026-12-01"}


def test_a_fact_draft_is_saved_and_restored(eva, project, database_url, editors):
    before = files(project)
    revision = load_fact(project, FACT).revision
    page = save(eva, FACT_PAGE, {"base_revision": revision, **FACT_FIELDS}).get_data(
        as_text=True)
    assert files(project) == before
    assert "Se guardó su borrador. La ficha de hechos no cambió." in page
    assert 'name="value" value="Calle 3 # 4-10, segundo piso"' in page
    assert '<option value="confirmed" selected>Confirmado</option>' in page
    assert '<option value="official" selected>Oficial</option>' in page
    assert 'name="confirmed_by" value="Eva Torres"' in page
    assert 'name="confirmed_on" value="2026-12-01"' in page
    assert "el asistente dice el hecho" in page  # with the draft, sisben is not weakened
    with session_for(database_url) as session:
        draft = get_draft(session, FACT_KIND, FACT, editors["eva"])
        assert draft_body(draft) == FACT_FIELDS and draft.base_revision == revision


def test_two_editors_of_a_fact_and_a_sheet_that_changed(eva, pablo, project):
    revision = load_fact(project, FACT).revision
    save(eva, FACT_PAGE, {"base_revision": revision, **FACT_FIELDS})
    page = pablo.client.get(FACT_PAGE).get_data(as_text=True)
    assert f"Eva Torres también tiene un borrador de este hecho, guardado {SAVED_AT}." in page
    assert 'name="value" value=""' in page
    update_fact(project / "data/facts.yml", FACT, {"value": "Carrera 2 # 3-04"})
    page = eva.client.get(FACT_PAGE).get_data(as_text=True)
    assert "Los archivos cambiaron desde que usted empezó este borrador" in page
    assert "El hecho como está ahora en la ficha" in page and "Carrera 2 # 3-04" in page
    assert 'name="value" value="Calle 3 # 4-10, segundo piso"' in page
    page = save(eva, f"{FACT_PAGE}/descartar", {}).get_data(as_text=True)
    assert 'name="value" value="Carrera 2 # 3-04"' in page
