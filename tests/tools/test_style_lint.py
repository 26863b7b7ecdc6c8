import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tools.style_lint import (
    MANDATED_SCRIPTS,
    MAX_FAQ_BLOCKS,
    MAX_TURN_MESSAGES,
    Problem,
    lint_domain,
    lint_text,
    main,
)

ROOT = Path(__file__).resolve().parents[2]


def rules(text, **kwargs):
    return [rule for rule, _ in lint_text(text, **kwargs)]


@pytest.mark.parametrize(
    "text",
    [
        "Buenos días, cordial saludo por parte de la administración municipal de Tenjo.",
        "¿En qué le puedo ayudar?",
        "Mucho gusto, {nombre}.",
        "Por favor ingrese a este enlace:\n{pqrd_url}",
        "Atendemos de 8:00 a. m. a 12:00 m. y de 2:00 p. m. a 4:00 p. m.",
        "Sí",
        "",
    ],
)
def test_clean_texts_pass(text):
    assert lint_text(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("¡Bienvenido a Tenjo.", 1),
        ("Con gusto!", 1),
        ("¡Con gusto!", 1),  # both marks in one problem
        ("Consulte http://tenjo.gov.co/#!/inicio para más información.", 0),  # URL
        ("Gracias por su consulta.", 0),
    ],
)
def test_no_exclamation(text, expected):
    assert rules(text).count("no-exclamation") == expected


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("Con gusto 😀", "😀"),
        ("Gracias ❤️", "❤"),
        ("Listo ✅", "✅"),
        ("Excelente 👍🏽", "👍"),
        ("Con gusto :)", ":)"),
        ("Lo siento :-(", ":-("),
        ("Claro ;)", ";)"),
        ("Genial :D", ":D"),
        ("Jaja xD", "xD"),
        ("Gracias <3", "<3"),
    ],
)
def test_no_emoji_caught(text, caught):
    problems = [message for rule, message in lint_text(text) if rule == "no-emoji"]
    assert problems
    assert any(repr(caught) in message for message in problems)


@pytest.mark.parametrize(
    "text",
    [
        "Atendemos de 8:00 a. m. a 12:30 m. y hasta las 4:30 p. m.",  # times are no emoticons
        "Ingrese a https://www.tenjo-cundinamarca.gov.co/ para consultar.",  # ":/" in a URL
        "Horario: (lunes a viernes).",
        "Nota:Datos de contacto.",
        "Escriba a contacto@tenjo-cundinamarca.gov.co para más información.",
        "Tel.: (601) 555 1234, opción 3.",
    ],
)
def test_no_emoji_not_falsely_caught(text):
    assert "no-emoji" not in rules(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Es MUY importante.", ["MUY"]),
        ("ATENCIÓN: trámite GRATUITO.", ["ATENCIÓN", "GRATUITO"]),
        ("Consulte el SISBÉN y la PQRD en el CISAT.", []),
        ("SISBEN, PQRSD, ICA, RIT, NIT, RUT, DIAN, EPS, IPS, SIMAT, ADRES, SENA.", []),
        ("ICBF, IGAC, POT, EOT, URL, PDF, SMS y el dominio .gov.CO.", []),
        ("Fase IV del programa, capítulo XII, siglo XXI, artículo II.", []),
        ("Ingrese a https://tenjo.gov.co/PQRD/FORMULARIO para radicar.", []),  # URL
        ("Su número es {NUMERO_RADICADO}.", []),  # placeholder
        ("Escriba a CISAT@TENJO.GOV.CO.", []),  # e-mail address
        ("Usted es la persona A de la fila y C.C. es su documento.", []),  # single letters
        ("Pregunte en la EPS o en las IPSs.", []),
        ("Su trámite COVID-19 en Tenjo.", ["COVID"]),
    ],
)
def test_no_shouting(text, words):
    found = [message for rule, message in lint_text(text) if rule == "no-shouting"]
    assert len(found) == len(words)
    for word, message in zip(words, found, strict=True):
        assert repr(word) in message


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("¿Tú qué necesitas?", "Tú"),
        ("Tu solicitud fue radicada.", "Tu"),
        ("Tus documentos están listos.", "Tus"),
        ("TÚ puede consultar.", "TÚ"),
        ("Esto es para ti.", "ti"),
        ("Te enviamos el enlace.", "Te"),
        ("Con gusto hablamos contigo.", "contigo"),
        ("El documento es tuyo.", "tuyo"),
        ("Vos podés consultar.", "Vos"),
        ("¿Puedes esperar?", "Puedes"),
        ("¿Qué quieres consultar?", "quieres"),
        ("Si tienes dudas, consulte.", "tienes"),
        ("¿Necesitas ayuda?", "Necesitas"),
        ("Debes radicar la solicitud.", "Debes"),
        ("¿Cómo estás?", "estás"),
        ("¿Sabes tu número?", "Sabes"),
        ("Si deseas, consulte.", "deseas"),
        ("¿Qué buscas?", "buscas"),
        ("Cuando ingresas al portal, consulte.", "ingresas"),
        ("Cuando escribes, respondemos.", "escribes"),
        ("Cuando quieras, escriba.", "quieras"),
        ("Apenas puedas, escriba.", "puedas"),
        ("Cuando tengas el documento, escriba.", "tengas"),
        ("¿En qué puedo ayudarte?", "ayudarte"),
        ("¿Vas a radicar?", "Vas"),
    ],
)
def test_no_tuteo_caught(text, word):
    found = [message for rule, message in lint_text(text) if rule == "no-tuteo"]
    assert any(repr(word) in message for message in found), found


@pytest.mark.parametrize(
    "text",
    [
        "En la sede del CISAT le ofrecemos un té mientras espera.",  # té = tea
        "Estas son las opciones disponibles.",  # estas = these
        "Su trámite, el de usted, se revisa hoy.",
        "Puede consultar el estatuto tributario.",  # "tu" inside a word
        "Tenjo tiene dos sedes; la tienda está cerca.",
        "Le ayudamos con su trámite.",
        "Consulte https://tenjo.gov.co/tu-tramite/te-ayudamos.",  # URL
        "Hola {tu_nombre}.",  # placeholder
        "La parte del aporte se paga en el transporte.",
    ],
)
def test_no_tuteo_not_falsely_caught(text):
    assert "no-tuteo" not in rules(text)


def test_sentence_length():
    sentence = " ".join(["palabra"] * 35) + "."
    assert "sentence-length" not in rules(sentence)
    too_long = " ".join(["palabra"] * 36) + "."
    [(rule, message)] = [item for item in lint_text(too_long) if item[0] == "sentence-length"]
    assert "36 words" in message


def test_sentence_length_counts_each_sentence_and_line():
    half = " ".join(["palabra"] * 20)
    assert "sentence-length" not in rules(f"{half}. {half}?")
    assert "sentence-length" not in rules(f"{half}\n{half}")
    assert rules(f"{half} {half}.") == ["sentence-length"]


def test_abbreviations_do_not_end_sentences():
    text = "Atendemos de 8:00 a. m. a 12:00 m. y de 2:00 p. m. a 4:00 p. m. en la sede."
    assert rules(text + " Gracias.") == []
    text = "Le atiende el Sr. Pérez. Le atiende la Dra. Gómez. Le atiende el Ing. Ruiz."
    assert rules(text) == []


def test_url_counts_as_one_word():
    url = "https://www.tenjo-cundinamarca.gov.co/" + "/".join(["Ciudadanos"] * 10) + ".aspx"
    text = " ".join(["palabra"] * 34) + f" {url}."
    assert "sentence-length" not in rules(text)


def test_block_length_characters():
    sentence = "Esta es una frase corta de unos cuarenta caracteres. "
    block = (sentence * 9).strip()  # 9 * 53 - 1 > 400 characters, 9 sentences
    assert len(block) > 400
    found = [message for rule, message in lint_text(block) if rule == "block-length"]
    assert any("characters" in message for message in found)
    split = "\n\n".join([(sentence * 3).strip()] * 3)
    assert "block-length" not in rules(split)


def test_block_length_sentences():
    assert "block-length" not in rules("Uno. Dos. Tres. Cuatro. Cinco.")
    [(rule, message)] = lint_text("Uno. Dos. Tres. Cuatro. Cinco. Seis.")
    assert rule == "block-length"
    assert "6 sentences" in message
    assert rules("Uno. Dos. Tres.\n\nCuatro. Cinco. Seis.") == []


def test_mandated_scripts_skip_only_length_rules():
    long_text = " ".join(["palabra"] * 40) + ". " + "Otra. " * 6
    assert set(rules(long_text)) == {"sentence-length", "block-length"}
    assert rules(long_text, mandated=True) == []
    assert rules("¡Gracias! :)", mandated=True) == ["no-exclamation", "no-emoji"]


def test_protocol_farewell_is_clean_when_mandated():
    farewell = (
        "Gracias por su consulta. Le invitamos a cerrar esta conversación contestando la "
        "siguiente encuesta: http://186.28.255.236/encuesta/, la cual no demora más de dos "
        "minutos; ya que estamos interesados en conocer si el servicio recibido por parte del "
        "Centro Integral De Servicios Administrativos De Tenjo CISAT, fue prestado con "
        "amabilidad, calidad, oportunidad e idoneidad, con el fin de implementar las mejoras "
        "a las que haya lugar."
    )
    assert "utter_farewell" in MANDATED_SCRIPTS
    assert lint_text(farewell, mandated=True) == []
    assert "sentence-length" in rules(farewell)


def test_faq_answer_has_at_most_three_blocks():
    three = "Sobre el tema: uno.\n\nDos.\n\nTres: {pqrd_url}"
    assert rules(three, faq=True) == []
    four = three + "\n\nCuatro."
    [(rule, message)] = lint_text(four, faq=True)
    assert rule == "faq-blocks"
    assert "4 blocks (max 3)" in message
    assert "5 messages" in message  # with the satisfaction question
    assert rules(four) == []  # only FAQ answers are followed by the satisfaction question
    assert rules("Uno.\n  \nDos.\n\n\n\nTres.", faq=True) == []  # blank lines, not blocks


def test_faq_block_limit_leaves_room_for_the_satisfaction_question():
    from tools.dialogue_matrix import MAX_MESSAGES

    assert MAX_TURN_MESSAGES == MAX_MESSAGES
    assert MAX_FAQ_BLOCKS == MAX_TURN_MESSAGES - 1


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("Para Tenjo, esa información aún no está confirmada en este chat.", "no está confirmada"),
        (
            "El calendario y el formulario en Tenjo aún no están confirmados.",
            "no están confirmados",
        ),
        ("Los colegios oficiales tampoco están confirmados aquí.", "tampoco están confirmados"),
        (
            "En Tenjo aún no está confirmado en este chat si la expide una curaduría.",
            "no está confirmado",
        ),
        ("Ese dato no se ha confirmado en este chat.", "no se ha confirmado"),
        ("Este dato no ha sido verificado.", "no ha sido verificado"),
        ("Ese dato todavía no lo confirmamos en este chat.", "en este chat"),
        ("Es un dato sin confirmar.", "sin confirmar"),
        ("La dirección de la oficina aún no está disponible.", "aún no está disponible"),
        ("El horario está pendiente de confirmación.", "pendiente de confirmación"),
        ("El costo está por confirmar.", "está por confirmar"),
        ("Por ahora no tenemos información sobre ese trámite.", "no tenemos información"),
        ("No contamos con esa información.", "No contamos con esa información"),
        ("NO TENEMOS INFORMACION de la sede.", "NO TENEMOS INFORMACION"),
        ("Esa información no está disponible en este chat.", "en este chat"),
    ],
)
def test_no_hedge_caught(text, phrase):
    found = [message for rule, message in lint_text(text) if rule == "no-hedge"]
    assert len(found) == 1, found
    assert repr(phrase) in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "Si aún no está inscrito en el SISBÉN, solicite la encuesta.",
        "Gracias por confirmar.",
        "Usted no ha confirmado su correo todavía.",  # the citizen, not a fact
        "El servicio no está disponible los días festivos.",
        "¿Se encuentra en línea? Por favor confírmenos para poder atender su consulta.",
        "Un funcionario del CISAT puede atenderle en este chat dentro del horario de atención.",
        "Entiendo que su consulta es sobre el impuesto predial. ¿Es correcto?",
        "Le enviaremos la información que usted necesita.",
        "Consulte https://tenjo.gov.co/no-esta-confirmado/ para más información.",  # URL
    ],
)
def test_no_hedge_not_falsely_caught(text):
    assert "no-hedge" not in rules(text)


def test_hedges_are_checked_in_mandated_scripts_too():
    assert rules("Ese dato aún no está confirmado.", mandated=True) == ["no-hedge"]


FAQ_DOMAIN = """\
responses:
  utter_faq/predial:
  - text: |-
      Sobre el impuesto predial: uno.

      Dos, aún no está confirmado en este chat.

      Tres.

      Cuatro.
  utter_topic_faq_predial:
  - text: |-
      Uno.

      Dos.

      Tres.

      Cuatro.
"""


def test_lint_domain_checks_blocks_of_faq_answers_only(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text(FAQ_DOMAIN, encoding="utf-8")
    found = [(p.line, p.item, p.rule) for p in lint_domain(path)]
    assert found == [
        (3, "utter_faq/predial", "no-hedge"),
        (3, "utter_faq/predial", "faq-blocks"),
    ]


def test_project_faq_answers_fit_in_a_turn():
    problems = [p for p in lint_domain(ROOT / "domain.yml") if p.rule in ("faq-blocks", "no-hedge")]
    assert problems == []


DOMAIN = """\
version: "3.1"
intents:
  - greet
responses:
  utter_greet:
    - text: "Buenos días, cordial saludo."
    - text: "¡Hola!"
  utter_ask_name:
    - text: "¿Cuál es tu nombre?"
      buttons:
        - title: "Sí"
          payload: /affirm
        - title: "NO GRACIAS"
          payload: /deny
  utter_info:
    - text: |
        Primer bloque.

        Segundo bloque con un emoji 😀.
  utter_ask_detail:
    - text: "{long}"
  utter_long:
    - text: "{long}"
  utter_custom:
    - custom:
        blocks: "¡Sin texto!"
"""


@pytest.fixture
def domain_file(tmp_path):
    long = " ".join(["palabra"] * 40) + "."
    path = tmp_path / "domain.yml"
    path.write_text(DOMAIN.replace("{long}", long), encoding="utf-8")
    return path


def test_lint_domain_reports_lines(domain_file):
    problems = lint_domain(domain_file)
    found = [(p.line, p.item, p.rule) for p in problems]
    assert found == [
        (7, "utter_greet", "no-exclamation"),
        (9, "utter_ask_name", "no-tuteo"),
        (13, "utter_ask_name", "no-shouting"),  # "NO"
        (13, "utter_ask_name", "no-shouting"),  # "GRACIAS"
        (16, "utter_info", "no-emoji"),
        (23, "utter_long", "sentence-length"),
    ]
    assert all(p.path == str(domain_file) for p in problems)


def test_problem_str():
    problem = Problem("domain.yml", 123, "utter_x", "no-exclamation", "exclamation mark '!'")
    assert str(problem) == "domain.yml:123: utter_x: no-exclamation: exclamation mark '!'"


def test_lint_domain_without_responses(tmp_path):
    path = tmp_path / "domain.yml"
    path.write_text('version: "3.1"\nintents:\n  - greet\n', encoding="utf-8")
    assert lint_domain(path) == []


def test_main_reports_problems(domain_file, capsys):
    assert main([str(domain_file)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{domain_file}:7: utter_greet: no-exclamation: ")
    assert len(lines) == 7
    assert lines[-1] == "style_lint: 6 problem(s) in 4 response(s), 1 file(s) checked"


def test_main_clean_file(tmp_path, capsys):
    path = tmp_path / "domain.yml"
    path.write_text(
        textwrap.dedent(
            """\
            responses:
              utter_greet:
                - text: "Buenos días, cordial saludo."
            """
        ),
        encoding="utf-8",
    )
    assert main([str(path)]) == 0
    assert capsys.readouterr().out == "style_lint: no problems, 1 file(s) checked\n"


def test_main_accepts_directories(domain_file, capsys):
    assert main([str(domain_file.parent)]) == 1
    assert "1 file(s) checked" in capsys.readouterr().out.splitlines()[-1]


def test_main_unreadable_file(tmp_path, capsys):
    assert main([str(tmp_path / "missing.yml")]) == 2
    assert "missing.yml: cannot read" in capsys.readouterr().err
    broken = tmp_path / "broken.yml"
    broken.write_text("responses: [unclosed\n", encoding="utf-8")
    assert main([str(broken)]) == 2


def test_main_requires_a_path(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


def test_module_entry_point(domain_file):
    result = subprocess.run(
        [sys.executable, "-m", "tools.style_lint", str(domain_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"{domain_file}:9: utter_ask_name: no-tuteo: " in result.stdout
