"""The conduct filter: the only authority on the chat rules (issue 17, item 3)."""

from pathlib import Path

import pytest
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.training_data.message import Message

from addons.conduct_filter import (
    ConductFilter,
    TermMatcher,
    disguise_forms,
    foreign_link,
    join_spelled,
    load_rules,
    load_terms,
)
from addons.text_normalizer import fold
from tools.conduct_report import conduct_report

ROOT = Path(__file__).resolve().parents[2]
LEXICONS = ROOT / "data/lexicons"


@pytest.fixture(scope="module")
def conduct():
    return ConductFilter({**ConductFilter.get_default_config(), "lexicon_dir": str(LEXICONS)})


def classified(text, *ranking):
    """A message as the classifier leaves it: the top of `ranking` is the intent."""
    message = Message.build(text)
    entries = [{"id": i, "name": name, "confidence": confidence}
               for i, (name, confidence) in enumerate(ranking)]
    if entries:
        message.set("intent", {"name": entries[0]["name"], "confidence": entries[0]["confidence"]},
                    add_to_output=True)
    message.set("intent_ranking", entries, add_to_output=True)
    return message


def rule_of(conduct, text):
    verdict = conduct.check(text)
    return verdict[0] if verdict else None


# --- the classifier alone never warns a citizen --------------------------------------------

@pytest.mark.parametrize(
    ("text", "ranking", "intent", "names"),
    [
        ("cual es mi puntaje del sisben",
         [("offensive", 0.62), ("faq", 0.31), ("ask_hours", 0.04), ("commercial", 0.03)],
         ("faq", 0.31), ["faq", "ask_hours"]),
        ("en q calle queda la alcaldía",
         [("commercial", 0.55), ("offensive", 0.3), ("faq", 0.1), ("greet", 0.05)],
         ("faq", 0.1), ["faq", "greet"]),
        ("como pago el predial",
         [("faq", 0.8), ("offensive", 0.15), ("greet", 0.05)],
         ("faq", 0.8), ["faq", "greet"]),
        ("cuanto cuesta", [("commercial", 1.0)], (None, 0.0), []),
    ],
)
def test_a_rule_intent_of_the_classifier_alone_is_demoted(conduct, text, ranking, intent, names):
    message = classified(text, *ranking)
    conduct.process([message])
    assert (message.get("intent")["name"], message.get("intent")["confidence"]) == intent
    assert [r["name"] for r in message.get("intent_ranking")] == names
    assert message.get("conduct") is None
    assert "conduct" not in message.as_dict(only_output_properties=True)


@pytest.mark.parametrize(
    ("text", "ranking", "expected"),
    [  # a sure classifier and a hint agree: commercial, with the classifier's confidence
        ("manejamos tejas y ladrillo para su obra, pregunte el precio",
         [("commercial", 0.97), ("faq", 0.02)], ("commercial", 0.97)),
        ("apoye al candidato que si cumple este domingo",
         [("commercial", 0.93), ("out_of_scope", 0.05)], ("commercial", 0.93)),
        # no hint: the classifier alone never decides
        ("cuanto cuesta", [("commercial", 0.99), ("faq", 0.01)], ("faq", 0.01)),
        # a hint, but the classifier is not sure enough
        ("cual es el precio del paz y salvo",
         [("commercial", 0.85), ("faq", 0.14)], ("faq", 0.14)),
        # offensive is never taken from the classifier alone, however sure
        ("mi hijo me pega y me quita la plata",
         [("offensive", 0.99), ("faq", 0.01)], ("faq", 0.01)),
        # a sure offensive and an insult word outside the lists' frames agree
        ("esa alcaldia llena de inutiles no responde nunca",
         [("offensive", 0.95), ("complex_request", 0.04)], ("offensive", 0.95)),
        # the insult word, but the classifier is not sure
        ("esa alcaldia llena de inutiles no responde nunca",
         [("offensive", 0.6), ("complex_request", 0.39)], ("complex_request", 0.39)),
    ],
)
def test_a_sure_rule_intent_stands_only_with_a_hint(conduct, text, ranking, expected):
    assert conduct.check(text) is None  # no list matches these
    message = classified(text, *ranking)
    conduct.process([message])
    intent = message.get("intent")
    assert (intent["name"], intent["confidence"]) == expected
    if expected[0] in ("commercial", "offensive"):
        assert message.get("conduct")["reason"].startswith("classifier+hint:")
    else:
        assert message.get("conduct") is None


def test_a_demoted_message_keeps_the_next_intent_entry_whole(conduct):
    message = classified("en q calle queda la alcaldía", ("offensive", 0.7), ("faq", 0.25))
    conduct.process([message])
    assert message.get("intent") == {"id": 1, "name": "faq", "confidence": 0.25}


@pytest.mark.parametrize(
    ("ranking", "expected"),
    [([("offensive", 0.6), ("faq", 0.3), ("greet", 0.1)], "nlu_fallback"),  # unclear
     ([("offensive", 0.3), ("faq", 0.68), ("greet", 0.02)], "faq"),
     ([("commercial", 0.2), ("ask_hours", 0.7), ("greet", 0.1)], "ask_hours")],
)
def test_the_fallback_judges_the_demoted_intent(conduct, ranking, expected):
    message = classified("cual es mi puntaje del sisben", *ranking)
    conduct.process([message])
    FallbackClassifier({**FallbackClassifier.get_default_config(), "threshold": 0.45,
                        "ambiguity_threshold": 0.05}).process([message])
    assert message.get("intent")["name"] == expected


@pytest.mark.parametrize(
    ("text", "rule", "reason"),
    [("hp como pago el predial", "offensive", "word:hp"),
     ("vote por Ana Gómez al concejo", "commercial", "cue:vote por + concejo"),
     ("mire www.prestamos-ya.com", "commercial", "link:prestamos-ya.com")],
)
def test_an_explicit_match_overrides_whatever_the_classifier_said(conduct, text, rule, reason):
    message = classified(text, ("faq", 0.9), ("offensive", 0.06), ("commercial", 0.04))
    conduct.process([message])
    assert message.get("intent") == {"name": rule, "confidence": 1.0}
    assert message.get("conduct") == {"rule": rule, "reason": reason}
    assert [r["name"] for r in message.get("intent_ranking")] == [rule, "faq"]


# --- offensive: whole words, known spellings and disguises ------------------------------------

@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("idiotaaaa", "word:idiota"),
        ("IDIOTAAA responda", "word:idiota"),
        ("idiotaa", "word:idiota"),
        ("h.p", "word:hp"),
        ("H.P. contesten", "word:hp"),
        ("h p", "word:hp"),
        ("h-p-t-a bot", "word:hpta"),
        ("i d i o t a", "word:idiota"),
        ("1d10t4", "word:idiota"),
        ("m4lp4r1d0s", "word:malparidos"),
        ("ma1parido", "word:malparido"),
        ("p*ta alcaldia", "word:puta"),
        ("m**rda de servicio", "word:mierda"),
        ("idio.ta", "word:idiota"),
        ("malpa-rido", "word:malparido"),
        ("hpta no me han respondido", "word:hpta"),
        ("jueputa bot", "word:jueputa"),
        ("hijueputaaaa", "word:hijueputa"),
        ("gonorrea de servicio", "word:gonorrea"),
        ("gonorreaaa", "word:gonorrea"),
        ("malparidos", "word:malparidos"),
        ("malpario", "word:malpario"),
        ("hdp", "word:hdp"),
        ("perrrra hp", "word:perra hp"),
        ("son unos vagos", "insult:son unos vagos"),
        ("partida de brutos", "insult:partida de brutos"),
        ("usted es un ladrón", "insult:usted es un ladron"),
        ("bot inútil", "insult:bot inutil"),
        ("vagos, trabajen", "insult:vagos"),
        ("ratas, devuelvan lo que se roban", "insult:ratas"),
        ("no contestan, inútiles", "insult:inutiles"),
        ("ladrones", "insult:ladrones"),
    ],
)
def test_offensive_spellings_and_disguises(conduct, text, reason):
    assert conduct.check(text) == ("offensive", reason)


@pytest.mark.parametrize(
    "text",
    [
        # ordinary words that contain an offensive word, or DIET once took for one
        "cual es mi puntaje del sisben", "en q calle queda la alcaldía", "se dañó el computador",
        "tengo una disputa con el vecino por el lindero", "soy de Cucunubá", "vivo en Sasaima",
        "necesito el análisis de suelos", "es un colegio particular", "quiero culminar el trámite",
        "tengo una cuenta pendiente del predial", "voy para Pacho", "la calle está llena de huecos",
        "la computadora no abre", "disputaron el partido", "el culmen del proceso",
        "hay un hueco en la vía a Chitasugá", "cuál es la puntuación", "la pata de la mesa",
        # words of the lists in ordinary use
        "hay ratas en el lote de al lado, a quién llamo",
        "unos ladrones entraron a mi casa, dónde denuncio",
        "estos requisitos son inútiles, no hay otra forma",
        "malditos huecos, cuándo arreglan la vía",
        "tengo un par de perras para esterilizar",
        "perdí mi perra, es criolla",
        "pera, ya le busco el número",
        "perdón la pregunta estúpida, cómo saco el certificado",
        "mi impresora hp no imprime el recibo",
        "mi vecino es un ladrón, quiero denunciar",
        "pregunta tonta: dónde queda la comisaría",
        "maldita sea, se me olvidó el recibo",
        "juepucha, se me olvidó la cédula",
        "ver gas natural en el recibo",
    ],
)
def test_ordinary_messages_are_never_flagged(conduct, text):
    assert conduct.check(text) is None


def test_a_doubled_letter_stays_double():
    matcher = TermMatcher(["perra hp", "idiota"])
    assert matcher.find("perrrra hp") == "perra hp"
    assert matcher.find("pera hp") is None
    assert matcher.find("idiotaaa") == "idiota"
    assert matcher.find("idiotas") is None


def test_spelled_out_letters_are_joined():
    assert join_spelled(["h", "p", "hola", "y", "a", "x", "de"]) == ["hp", "hola", "yax", "de"]
    assert join_spelled(["a", "la", "mierda"]) == ["a", "la", "mierda"]
    assert "hp" in disguise_forms("h.p")[1].split()


# --- commercial: campaigns, sales pitches, links ----------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "vote por Carlos Ruiz al concejo, número 5 en el tarjetón",
        "voten por nuestra candidata",
        "candidata a la alcaldía, vote este domingo",
        "candidato al concejo: el 30 de octubre vote por el cambio",
        "apoye nuestra campaña",
        "cuento con su voto para la asamblea",
        "marque el 101 en el tarjetón del concejo",
        "lo invito a votar por Juan este domingo",
        "número de tarjetón 7, Juan Pérez concejo",
        "venta de seguidores para instagram",
        "compre seguidores y likes",
        "diseñamos páginas web para su negocio",
        "hacemos páginas web económicas",
        "agende una demo de nuestro software",
        "cotización sin compromiso",
        "ofrecemos servicios de fumigación",
        "promoción especial en llantas",
        "grandes descuentos en toda la tienda",
        "escríbanos al WhatsApp",
        "vendo lote, informes al 311 456 7890",
        "visite www.ofertas-lotes.com",
        "entre a https://bit.ly/abc",
        "pedidos por wa.me/573001234567",
    ],
)
def test_campaigns_and_sales_pitches_are_commercial(conduct, text):
    assert rule_of(conduct, text) == "commercial"


@pytest.mark.parametrize(
    "text",
    [
        "en qué página web pago el predial",
        "quiero ser candidato, qué requisitos",
        "quiero ser candidata al concejo, qué papeles necesito",
        "cómo voto",
        "dónde queda mi puesto de votación",
        "yo voté por el candidato y no ha cumplido",
        "tengo un negocio y quiero el registro de industria y comercio",
        "cuánto cuesta",
        "cuánto cuesta el certificado de residencia",
        "hay descuento en el predial por pronto pago",
        "cita de promoción y prevención",
        "dónde se venden las estampillas",
        "si alquilo mi casa debo pagar ICA",
        "tengo una tienda donde vendo empanadas, qué permiso necesito",
        "mi celular es 3124567890",
        "mi wasap es 3124567890",
        "me pueden llamar al 3124567890",
        "llamé al 601 8641234 y nadie contesta",
        "no tengo servicio de agua, mi cel 3124567890",
        "quiero informes del subsidio, mi número es 3124567890",
        "mi correo es ana.perez@gmail.com",
        "es hotmail.com",
        "el formulario está en www.tenjo-cundinamarca.gov.co",
        "en sisben.gov.co no me aparece",
        "hola.me ayudan con el predial",
    ],
)
def test_citizens_questions_are_not_commercial(conduct, text):
    assert conduct.check(text) is None


@pytest.mark.parametrize(
    ("text", "host"),
    [("www.tenjo-cundinamarca.gov.co/tramites", None),
     ("https://www.sisben.gov.co", None),
     ("visite www.ofertas.com", "ofertas.com"),
     ("escriba a wa.me/573001234567", "wa.me")],
)
def test_only_gov_co_links_are_allowed_by_default(text, host):
    assert foreign_link(text, ["gov.co"]) == host


# --- the word lists ---------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted(LEXICONS.glob("*.txt")), ids=lambda p: p.name)
def test_word_lists_are_folded(path):
    terms = load_terms(path)
    assert terms and all(t == fold(t) for t in terms)


def test_combined_cues_name_every_part():
    rules = load_rules(LEXICONS / "commercial.txt")
    assert ("vote por", "concejo") in rules
    assert all(all(part for part in rule) for rule in rules)


def test_no_example_outside_the_rules_is_flagged_and_the_rules_are_found():
    report = conduct_report(ROOT)
    assert {s.name: [f.example.text for f in s.false_positives] for s in report.sets} == {
        s.name: [] for s in report.sets}
    assert report.false_positive_count == 0
    assert [s.name for s in report.sets][:2] == ["data/nlu", "tests/nlu/test_set.yml"]
    training, test_set = report.sets[:2]
    for result in (training, test_set):
        assert result.recall_of("offensive") >= 0.9
    assert test_set.recall_of("commercial") >= 0.85
    # The lists are written for precision: the commercial examples added on 2026-12-08
    # were written apart from them (a pitch worded in a way the lists do not know is
    # caught by the classifier with a hint, commercial_hints.txt), so on the training
    # data the lists alone find about two thirds of them.
    assert training.recall_of("commercial") >= 0.6
