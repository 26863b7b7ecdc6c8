"""content/editing.py on copies of the real files: listing, loading, checking and applying
a change to an FAQ topic, conflicts between editors, roll-back."""

import re
import threading
from pathlib import Path

import pytest

from content.coverage import MIN_FAQ_EXAMPLES, check
from content.editing import (
    ChangeRejected,
    ConflictError,
    TopicChange,
    TopicContent,
    UnknownItemError,
    apply_change,
    check_change,
    load_topic,
    restore,
    snapshot,
    topics,
)
from content.facts import load_fact_sheet
from content.style import lint_domain
from tests.content.files import changed_lines, entry_lines, tree

ROOT = Path(__file__).resolve().parents[2]
NEW_BLOCK = "Para más información, acérquese al CISAT o consulte el sitio web {fact:tenjo_website}."
LONG_EXAMPLE = " ".join(["sisben"] * 50)
NEW_EXAMPLES = ("me pueden explicar ese tramite por favor", "sumerce donde averiguo eso")


def test_topics_are_listed_by_area_as_the_editors_guide_has_them():
    guide = (ROOT / "docs/editores.md").read_text(encoding="utf-8")
    listed = topics(ROOT)
    intents = [topic for path in sorted((ROOT / "data/nlu").glob("faq_*.yml"))
               for topic in re.findall(r"(?m)^- intent: faq/(\w+)",
                                       path.read_text(encoding="utf-8"))]
    assert sorted(summary.topic for summary in listed) == sorted(intents)
    assert [summary.area for summary in listed] == sorted(summary.area for summary in listed)
    for summary in listed:
        row = next(line for line in guide.splitlines() if f"(`faq_{summary.area}.yml`)" in line)
        assert f"`{summary.topic}`" in row
        assert summary.path == f"data/nlu/faq_{summary.area}.yml"
        assert summary.paraphrase and summary.example_count >= MIN_FAQ_EXAMPLES
    sisben = next(summary for summary in listed if summary.topic == "sisben")
    assert sisben.paraphrase == "la encuesta, la clasificación o la actualización del SISBÉN"
    assert sisben.example_count == len(load_topic(ROOT, "sisben").examples)


def test_a_topic_is_loaded_as_the_editor_wrote_it():
    content = load_topic(ROOT, "sisben")
    domain = (ROOT / "domain.yml").read_text(encoding="utf-8")
    assert content.area == "social" and content.path == "data/nlu/faq_social.yml"
    assert len(content.answer_blocks) == 3
    assert "{fact:sisben_groups}" in content.answer_blocks[0]
    assert "\n|| Sobre el SISBÉN" in content.answer_blocks[0]
    written = "\n".join("      " + line if line else "" for line in
                        "\n\n".join(content.answer_blocks).split("\n"))
    assert written in domain
    assert content.paraphrase == "la encuesta, la clasificación o la actualización del SISBÉN"
    assert content.examples[:3] == ("sisben", "sisven", "el sisbén")
    assert re.fullmatch(r"[0-9a-f]{16}", content.revision)
    assert load_topic(ROOT, "sisben").revision == content.revision


def test_an_unknown_topic_says_so():
    with pytest.raises(UnknownItemError, match="No hay un tema «alumbrado»"):
        load_topic(ROOT, "alumbrado")


def test_a_change_writes_only_the_topics_lines(project):
    before = tree(project)
    content = load_topic(project, "sisben")
    change = TopicChange(answer_blocks=(*content.answer_blocks[:2], NEW_BLOCK),
                         paraphrase="la encuesta o la clasificación del SISBÉN",
                         add_examples=NEW_EXAMPLES, remove_examples=(content.examples[5],))
    assert check_change(project, "sisben", change) == []
    applied = apply_change(project, "sisben", change, content.revision)

    after = tree(project)
    assert sorted(applied.diffs) == ["data/nlu/faq_social.yml", "domain.yml"]
    assert {path for path in before if before[path] != after[path]} == set(applied.diffs)
    domain = [before["domain.yml"].decode(), after["domain.yml"].decode()]
    allowed = {*entry_lines(domain[0], "  utter_faq/sisben:", r"  [^\s-]"),
               *entry_lines(domain[0], "  utter_topic_faq_sisben:", r"  [^\s-]")}
    assert changed_lines(*domain) <= allowed
    nlu = [before["data/nlu/faq_social.yml"].decode(), after["data/nlu/faq_social.yml"].decode()]
    assert changed_lines(*nlu) <= set(entry_lines(nlu[0], "- intent: faq/sisben", r"- "))
    assert '  - text: "la encuesta o la clasificación del SISBÉN"\n' in domain[1]
    assert "    - me pueden explicar ese tramite por favor\n" in nlu[1]
    assert f"+{' ' * 6}{NEW_BLOCK}\n" in applied.diffs["domain.yml"]
    assert applied.diffs["domain.yml"].startswith("--- a/domain.yml\n+++ b/domain.yml\n")

    now = load_topic(project, "sisben")
    assert now.revision == applied.revision != content.revision
    assert now.answer_blocks[2] == NEW_BLOCK
    assert now.examples[-2:] == NEW_EXAMPLES and content.examples[5] not in now.examples
    # What `make check` runs still passes.
    assert check(project) == []
    assert lint_domain(project / "domain.yml") == []
    assert applied.previous == {path: before[path] for path in applied.diffs}


REVERTIBLE = [
    ("sisben", "answer"),
    ("impuesto_predial", "paraphrase"),
    ("licencia_construccion", "examples"),  # the only topic of its file, the file's end
    ("gestion_riesgo", "everything"),  # its plain words are the last line of domain.yml
    ("ubicacion_contacto", "everything"),
]


@pytest.mark.parametrize(("topic", "part"), REVERTIBLE)
def test_applying_then_reverting_gives_byte_identical_files(project, topic, part):
    before = tree(project)
    content = load_topic(project, topic)
    blocks = (*content.answer_blocks[:-1], content.answer_blocks[-1] + "\n|| " + NEW_BLOCK)
    change = TopicChange(
        answer_blocks=blocks if part in ("answer", "everything") else None,
        paraphrase="el tema de prueba" if part in ("paraphrase", "everything") else None,
        add_examples=NEW_EXAMPLES if part in ("examples", "everything") else ())
    applied = apply_change(project, topic, change, content.revision)
    assert applied.diffs and tree(project) != before

    revert = TopicChange(answer_blocks=content.answer_blocks, paraphrase=content.paraphrase,
                         remove_examples=change.add_examples)
    reverted = apply_change(project, topic, revert, applied.revision)
    assert tree(project) == before
    assert reverted.revision == content.revision


def test_a_change_that_changes_nothing_writes_nothing(project):
    before = tree(project)
    content = load_topic(project, "empleo")
    unchanged = TopicChange(answer_blocks=content.answer_blocks, paraphrase=content.paraphrase)
    applied = apply_change(project, "empleo", unchanged, content.revision)
    assert applied.diffs == {} and applied.revision == content.revision
    assert tree(project) == before


def test_typed_text_is_cleaned(project):
    content = load_topic(project, "empleo")
    typed = TopicChange(answer_blocks=("  Sobre el empleo: primera línea.   \r\n\r\n"
                                       "|| Otra alternativa.\r\n", "Segundo bloque."),
                        add_examples=(" busco chamba en tenjo \n", "busco chamba en tenjo"))
    apply_change(project, "empleo", typed, content.revision)
    now = load_topic(project, "empleo")
    assert now.answer_blocks == ("Sobre el empleo: primera línea.\n|| Otra alternativa.",
                                 "Segundo bloque.")
    assert now.examples[-1] == "busco chamba en tenjo"
    assert now.examples.count("busco chamba en tenjo") == 1


def blocks(*texts):
    return TopicChange(answer_blocks=texts)


REFUSED = [
    # (change, field, block or example, rule, words of the message)
    (blocks("Sobre el SISBÉN: " + "texto largo. " * 8000), "answer", None, "answer-length",
     "La respuesta tiene 104016 caracteres y el máximo es 4000"),
    (blocks("Consulte <a href='https://x.example'>aquí</a>."), "block", 1, "markup",
     "No se admite código ni etiquetas"),
    (blocks("Uno.", "Abra javascript:alert(1) en el navegador."), "block", 2, "markup",
     "No se admite código"),
    (blocks("Uno.", "Llame al {fact:no_such_fact}."), "block", 2, "fact-unknown",
     "El hecho «no_such_fact» no está en la ficha de hechos"),
    (blocks("Visite { fact:tenjo_website }."), "block", 1, "fact-reference",
     "{fact:clave}"),
    (blocks("La sede queda en {fact:cisat_address}."), "block", 1, "fact-block-silent",
     "pendientes: cisat_address"),
    (blocks("¡Con gusto le ayudamos!"), "block", 1, "no-exclamation", "Signo de admiración"),
    (blocks("Si tienes dudas, escriba."), "block", 1, "no-tuteo", "trate al ciudadano de usted"),
    (blocks("Ese dato aún no está confirmado."), "block", 1, "no-hedge", "remita al canal"),
    (blocks("Uno.", "Corta. " * 70), "block", 2, "block-length", "(máximo 400)"),
    (blocks("Uno.", "", "Tres."), "block", 2, "block-empty", "El bloque está vacío"),
    (blocks("   ", ""), "answer", None, "answer-empty", "La respuesta está vacía"),
    (blocks("Uno.", "Dos.", "Tres.", "Cuatro."), "answer", None, "faq-blocks",
     "4 bloques (máximo 3)"),
    (TopicChange(paraphrase="la encuesta del SISBÉN."), "paraphrase", None, "paraphrase-ending",
     "«Entiendo que su consulta es sobre la encuesta del SISBÉN. ¿Es correcto?»"),
    (TopicChange(paraphrase="<script>alert(1)</script>"), "paraphrase", None, "markup",
     "No se admite código"),
    (TopicChange(paraphrase="el SISBÉN\nen dos líneas"), "paraphrase", None,
     "paraphrase-lines", "una sola línea"),
    (TopicChange(paraphrase="el sitio {fact:tenjo_website}"), "paraphrase", None,
     "fact-outside-faq", "se mostrarían tal cual"),
    (TopicChange(paraphrase=""), "paraphrase", None, "paraphrase-empty", "palabras sencillas"),
    (TopicChange(paraphrase="x" * 201), "paraphrase", None, "paraphrase-length", "máximo es 200"),
    (TopicChange(add_examples=("¡Busco TRABAJO!",)), "example", "¡Busco TRABAJO!",
     "duplicate-example", "Ya es un ejemplo de faq/empleo (data/nlu/faq_social.yml, línea"),
    (TopicChange(add_examples=("SISBEN",)), "example", "SISBEN", "duplicate-example",
     "Ya es un ejemplo de este tema: «sisben»"),
    (TopicChange(add_examples=("¿?",)), "example", "¿?", "example-empty", "no tiene palabras"),
    (TopicChange(add_examples=(LONG_EXAMPLE,)), "example", LONG_EXAMPLE, "example-length",
     "Tiene 349 caracteres y el máximo es 300"),
    (TopicChange(add_examples=("<b>sisben</b> para mi casa",)), "example",
     "<b>sisben</b> para mi casa", "markup", "No se admite código"),
    (TopicChange(add_examples=("me llamo [Ana](nombre) y el sisben",)), "example",
     "me llamo [Ana](nombre) y el sisben", "example-annotation", "anotaciones"),
    (TopicChange(remove_examples=("esto no es un ejemplo",)), "example",
     "esto no es un ejemplo", "example-missing", "no se puede quitar"),
]


@pytest.mark.parametrize(("change", "field", "which", "rule", "words"), REFUSED,
                         ids=[case[3] for case in REFUSED])
def test_a_refused_change_says_why_and_writes_nothing(project, change, field, which, rule,
                                                      words):
    before = tree(project)
    content = load_topic(project, "sisben")
    found = [problem for problem in check_change(project, "sisben", change)
             if problem.rule == rule]
    assert found, check_change(project, "sisben", change)
    problem = found[0]
    assert problem.field == field
    assert words in problem.message
    if isinstance(which, int):
        assert problem.block == which and str(problem).startswith(f"Bloque {which}: ")
    elif which is not None:
        assert problem.example == which and str(problem).startswith("Ejemplo «")
    assert problem.message[0].isupper() and problem.message.rstrip("»").endswith(".")
    with pytest.raises(ChangeRejected) as refused:
        apply_change(project, "sisben", change, content.revision)
    assert problem in refused.value.problems
    assert str(refused.value).startswith("El cambio no se guardó. ")
    assert tree(project) == before


def test_removing_too_many_examples_is_refused(project):
    content = load_topic(project, "sisben")
    keep = MIN_FAQ_EXAMPLES - 1
    change = TopicChange(remove_examples=content.examples[keep:])
    [problem] = check_change(project, "sisben", change)
    assert (problem.field, problem.rule) == ("examples", "faq-examples")
    assert problem.message == (f"El tema quedaría con {keep} ejemplos y necesita al menos "
                               f"{MIN_FAQ_EXAMPLES}. Agregue ejemplos o quite menos.")
    assert check_change(project, "sisben",
                        TopicChange(remove_examples=content.examples[keep + 1:])) == []


def test_a_100_kb_answer_gets_one_clear_message(project):
    change = blocks("¡Hola! " * 15000)
    assert [problem.rule for problem in check_change(project, "sisben", change)] == [
        "answer-length"]


def test_the_second_editor_gets_a_conflict_with_the_current_content(project):
    first = load_topic(project, "sisben")
    second = load_topic(project, "sisben")
    applied = apply_change(project, "sisben", TopicChange(add_examples=NEW_EXAMPLES[:1]),
                           first.revision)
    written = tree(project)
    with pytest.raises(ConflictError) as conflict:
        apply_change(project, "sisben", TopicChange(paraphrase="el SISBÉN"), second.revision)
    assert "Otra persona cambió este tema mientras usted lo editaba" in str(conflict.value)
    assert "no se perdió" in str(conflict.value)
    current = conflict.value.current
    assert isinstance(current, TopicContent)
    assert current.revision == applied.revision
    assert current.examples[-1] == NEW_EXAMPLES[0]
    assert tree(project) == written


def test_a_change_to_another_topic_is_no_conflict(project):
    sisben = load_topic(project, "sisben")
    empleo = load_topic(project, "empleo")  # same data/nlu file
    apply_change(project, "empleo", TopicChange(add_examples=NEW_EXAMPLES), empleo.revision)
    assert load_topic(project, "sisben").revision == sisben.revision
    apply_change(project, "sisben", TopicChange(paraphrase="el SISBÉN"), sisben.revision)


def test_simultaneous_editors_one_wins(project):
    base = load_topic(project, "sisben").revision
    outcomes = []

    def edit(number):
        change = TopicChange(add_examples=(f"pregunta numero {number} sobre el sisben",))
        try:
            apply_change(project, "sisben", change, base)
            outcomes.append("applied")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=edit, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["applied"] + ["conflict"] * 5
    assert len(load_topic(project, "sisben").examples) == len(
        load_topic(ROOT, "sisben").examples) + 1


def test_snapshot_and_restore_roll_a_publication_back(project):
    before = tree(project)
    taken = snapshot(project)
    assert set(taken) >= {"domain.yml", "data/facts.yml", "data/nlu/faq_social.yml"}
    for topic in ("sisben", "empleo"):
        content = load_topic(project, topic)
        apply_change(project, topic, TopicChange(paraphrase=f"el tema {topic}",
                                                 add_examples=(f"algo sobre {topic} x",)),
                     content.revision)
    assert tree(project) != before
    assert sorted(restore(project, taken)) == ["data/nlu/faq_social.yml", "domain.yml"]
    assert tree(project) == before
    assert restore(project, taken) == []


def test_restore_removes_a_file_the_snapshot_did_not_have(project):
    taken = snapshot(project, ["data/nlu/faq_nuevo.yml"])
    assert taken == {"data/nlu/faq_nuevo.yml": None}
    (project / "data/nlu/faq_nuevo.yml").write_text("nlu: []\n", encoding="utf-8")
    assert restore(project, taken) == ["data/nlu/faq_nuevo.yml"]
    assert not (project / "data/nlu/faq_nuevo.yml").exists()


def test_the_fact_sheet_is_read_for_fact_keys(project):
    pending = [key for key, fact in load_fact_sheet(project / "data/facts.yml").items()
               if not fact.sayable]
    change = blocks(f"La sede queda en {{fact:{pending[0]}}}.\n|| Acérquese al CISAT.")
    assert check_change(project, "sisben", change) == []
    (project / "data/facts.yml").write_text("facts: [", encoding="utf-8")
    [problem] = check_change(project, "sisben", change)
    assert problem.rule == "fact-sheet" and "ficha de hechos" in problem.message
