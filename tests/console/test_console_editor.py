"""The content editor's pages (issue 20): who may open them, the list of topics and facts,
a topic's form and a fact's form, on a copy of the project's files."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pytest
from editor_pages import (
    EDITOR_ONLY,
    FACT,
    TOPIC,
    copy_project,
    create_editors,
    files,
    logged_in,
)

from content.answers import weakened_by
from content.editing import load_fact, load_topic, topics
from content.facts import load_fact_sheet, update_fact
from content.readiness import faq_answers

GET_PAGES = ("/console/editor/", f"/console/editor/temas/{TOPIC}",
             f"/console/editor/datos/{FACT}")
FORM_POSTS = (f"/console/editor/temas/{TOPIC}", f"/console/editor/temas/{TOPIC}/descartar",
              f"/console/editor/datos/{FACT}", f"/console/editor/datos/{FACT}/descartar")
API_POSTS = (f"/console/editor/api/temas/{TOPIC}/revisar",
             f"/console/editor/api/datos/{FACT}/revisar")


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


def test_the_project_root_is_the_folder_of_the_domain(settings, project):
    assert settings.project_root == project


# --- who may open the pages ------------------------------------------------------------

@pytest.mark.parametrize("path", GET_PAGES)
def test_anonymous_visitors_are_sent_to_the_login(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")


@pytest.mark.parametrize("path", FORM_POSTS)
def test_anonymous_forms_are_sent_to_the_login(app, path, project):
    before = files(project)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/console/login").get_data(as_text=True)).group(1)
    response = client.post(path, data={"csrf_token": token, "block": "x"})
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert files(project) == before


@pytest.mark.parametrize("path", API_POSTS)
def test_anonymous_checks_get_401_in_json(app, path):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/console/login").get_data(as_text=True)).group(1)
    response = client.post(path, json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 401
    assert response.get_json() == {"error": "Su sesión terminó. Inicie sesión de nuevo."}


@pytest.mark.parametrize("path", GET_PAGES)
def test_an_agent_without_the_editor_role_gets_403(console, path):
    response = console.client.get(path)
    assert response.status_code == 403
    assert EDITOR_ONLY in response.get_data(as_text=True)


@pytest.mark.parametrize("path", FORM_POSTS)
def test_an_agent_without_the_role_cannot_save_or_discard(console, path, project):
    before = files(project)
    token = console.token("/console/")
    response = console.client.post(path, data={"csrf_token": token, "block": "x"})
    assert response.status_code == 403 and EDITOR_ONLY in response.get_data(as_text=True)
    assert files(project) == before


@pytest.mark.parametrize("path", API_POSTS)
def test_an_agent_without_the_role_cannot_check(console, path):
    response = console.post_json(path, {})
    assert response.status_code == 403
    assert response.get_json() == {"error": EDITOR_ONLY}


@pytest.mark.parametrize("path", GET_PAGES)
def test_editors_open_every_page(eva, path):
    response = eva.client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", API_POSTS)
def test_editors_can_check(eva, path):
    assert eva.post_json(path, {}, token=eva.token("/console/editor/")).status_code == 200


def test_the_nav_link_is_shown_to_editors_only(app, console, editors):
    link = re.compile(r'<a href="/console/editor/"( aria-current="page")?>Contenido</a>')
    assert not link.search(console.client.get("/console/readiness").get_data(as_text=True))
    pablo = logged_in(app, "pablo")
    found = link.search(pablo.client.get("/console/readiness").get_data(as_text=True))
    assert found and not found.group(1)
    found = link.search(pablo.client.get("/console/editor/").get_data(as_text=True))
    assert found and found.group(1)


def test_an_editor_without_the_agent_role_sees_the_page(eva):
    page = eva.client.get("/console/editor/").get_data(as_text=True)
    assert "Eva Torres" in page and "Contenido del asistente" in page


# --- the list ------------------------------------------------------------------------

def test_the_list_has_every_topic_by_area_with_its_counts(eva, project):
    page = eva.client.get("/console/editor/").get_data(as_text=True)
    listed = topics(project)
    rows = re.findall(r'<tr data-topic="([^"]+)">(.*?)</tr>', page, re.S)
    assert [topic for topic, _ in rows] == [summary.topic for summary in listed]
    for (_, row), summary in zip(rows, listed, strict=True):
        assert f"<td>{summary.example_count}</td>" in row
        assert summary.paraphrase in row
        assert f'href="/console/editor/temas/{summary.topic}"' in row
    for area in ("Atención", "Población", "Social", "Tributos"):
        assert f">{area}</h3>" in page


def test_the_facts_pending_first_with_the_topics_each_weakens(eva, project):
    page = eva.client.get("/console/editor/").get_data(as_text=True)
    facts = load_fact_sheet(project / "data/facts.yml")
    rows = re.findall(r'<tr data-fact="([^"]+)">(.*?)</tr>', page, re.S)
    keys = [key for key, _ in rows]
    assert sorted(keys) == sorted(facts)
    pending = [key for key in keys if not facts[key].sayable]
    assert pending and keys[:len(pending)] == pending
    answers = faq_answers(project / "domain.yml")
    for key, row in rows:
        weakened = sorted(label.removeprefix("faq/") for label, text in answers.items()
                          if key in weakened_by(text, facts))
        linked = re.findall(r'href="/console/editor/temas/(\w+)"', row)
        assert linked == weakened, key
        assert f'href="/console/editor/datos/{key}"' in row
    sisben_office = dict(rows)[FACT]
    assert "Pendiente" in sisben_office and "/console/editor/temas/sisben" in sisben_office
    assert f"{len(pending)} hecho(s) pendiente(s)" in page


def test_a_fact_sheet_off_its_schema_is_said_and_the_topics_still_listed(eva, project):
    update = (project / "data/facts.yml").read_text(encoding="utf-8").replace(
        "status: pending", "status: maybe", 1)
    (project / "data/facts.yml").write_text(update, encoding="utf-8")
    response = eva.client.get("/console/editor/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "La ficha de hechos (data/facts.yml) tiene un error" in page
    assert "status debe ser confirmed o pending" in page
    assert 'data-topic="sisben"' in page


def test_a_file_that_is_not_yaml_is_said_without_a_500(eva, project):
    (project / "data/facts.yml").write_text("facts: [\n", encoding="utf-8")
    for path in (GET_PAGES[0], GET_PAGES[2]):  # the list reads every data file; the fact
        response = eva.client.get(path)
        assert response.status_code == 409, path
        assert "tiene un error de formato. Avise al equipo técnico." in response.get_data(
            as_text=True)
    response = eva.client.get(GET_PAGES[1])  # the topic reads the sheet for its preview
    assert response.status_code == 200
    assert "La vista previa no muestra los hechos." in response.get_data(as_text=True)


# --- a topic's form ------------------------------------------------------------------

def test_the_topic_form_has_its_blocks_paraphrase_examples_and_revision(eva, project):
    content = load_topic(project, TOPIC)
    page = eva.client.get(f"/console/editor/temas/{TOPIC}").get_data(as_text=True)
    blocks = re.findall(r'<textarea id="block-(\d+)" name="block"[^>]*>(.*?)</textarea>', page,
                        re.S)
    assert [int(number) for number, _ in blocks] == list(range(1, len(content.answer_blocks) + 1))
    assert [unescape(text) for _, text in blocks] == list(content.answer_blocks)
    assert f'name="paraphrase" value="{content.paraphrase}"' in page
    boxes = re.findall(r'<input type="checkbox" name="remove_example" value="([^"]*)">', page)
    assert [unescape(value) for value in boxes] == list(content.examples)
    assert "Ejemplos nuevos, uno por línea" in page
    assert f'name="base_revision" id="base-revision" value="{content.revision}"' in page
    assert 'id="add-block" hidden' in page and "Guardar borrador" in page
    assert "Publicar" not in page
    assert 'src="/console/static/editor.js"' in page and "<script>" not in page
    assert "style=" not in page


def test_the_topic_page_previews_the_answer_as_the_citizen_reads_it(eva):
    page = eva.client.get(f"/console/editor/temas/{TOPIC}").get_data(as_text=True)
    preview = page.split('id="preview"')[1].split("</ol>")[0]
    assert "Sobre el SISBÉN: la encuesta clasifica a los hogares en grupos:" in preview
    assert "{fact:" not in preview and "|| " not in preview
    assert "www.tenjo-cundinamarca.gov.co" in preview  # block 3's second alternative
    assert "Se dice la alternativa 2 de 3" in preview and FACT in preview


def test_an_unknown_topic_or_fact_is_404_in_spanish(eva):
    response = eva.client.get("/console/editor/temas/alumbrado")
    assert response.status_code == 404
    assert "No hay un tema «alumbrado»" in response.get_data(as_text=True)
    response = eva.client.get("/console/editor/datos/no_existe")
    assert response.status_code == 404
    assert "No hay un hecho con la clave «no_existe»" in response.get_data(as_text=True)


# --- a fact's form -------------------------------------------------------------------

def test_the_fact_form_has_its_fields(eva, project):
    update_fact(project / "data/facts.yml", FACT, {"value": "Calle 3 # 4-10",
                                                   "source": "Oficio 12 de la Alcaldía"})
    current = load_fact(project, FACT)
    page = eva.client.get(f"/console/editor/datos/{FACT}").get_data(as_text=True)
    assert current.fact.description in page
    assert 'name="value" value="Calle 3 # 4-10"' in page
    assert '<option value="pending" selected>Pendiente</option>' in page
    assert '<option value="confirmed">Confirmado</option>' in page
    assert 'name="source" value="Oficio 12 de la Alcaldía"' in page
    assert '<option value="" selected>Sin indicar</option>' in page
    assert 'name="confirmed_by" value=""' in page and 'name="confirmed_on" value=""' in page
    assert f'name="base_revision" id="base-revision" value="{current.revision}"' in page
    assert 'data-topic="sisben"' in page and "se debilita" in page
    assert "Publicar" not in page


def test_a_confirmed_fact_shows_where_it_is_said(eva, project):
    page = eva.client.get("/console/editor/datos/tenjo_website").get_data(as_text=True)
    assert '<option value="confirmed" selected>Confirmado</option>' in page
    assert '<option value="official" selected>Oficial</option>' in page
    assert "el asistente dice el hecho" in page
