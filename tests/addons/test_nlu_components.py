"""The custom NLU components: spelling normalisation, chat-rule check, understanding check."""

from pathlib import Path

import pytest
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

from addons.conduct_filter import ConductFilter, TermMatcher, foreign_link, load_terms
from addons.text_normalizer import DEFAULT_ABBREVIATIONS, TextNormalizer, fold, normalize_word
from addons.understanding_check import UnderstandingCheck, full_label

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Certificación", "certificacion"), ("holaaaa", "hola"), ("Año", "ano"), ("q", "que"),
     ("XQ", "porque"), ("pa", "para"), ("predial", "predial"), ("acción", "accion")],
)
def test_normalize_word(word, expected):
    assert normalize_word(word, DEFAULT_ABBREVIATIONS) == expected


def test_normalizer_rewrites_lemmas_and_keeps_text():
    message = Message.build("Kiero el SERTIFICADO de residenciaaa xfa")
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    TextNormalizer({"abbreviations": {"kiero": "quiero"}}).process([message])
    assert [t.lemma for t in message.get("text_tokens")] == [
        "quiero", "el", "sertificado", "de", "residencia", "por favor"]
    assert message.get("text") == "Kiero el SERTIFICADO de residenciaaa xfa"


def test_lexicons_load_folded_terms():
    offensive = load_terms(ROOT / "data/lexicons/offensive.txt")
    assert offensive and all(t == fold(t) for t in offensive)
    assert not any(t.startswith("#") for t in offensive)


def test_term_matcher_needs_whole_words():
    matcher = TermMatcher(["hp", "compro oro"])
    assert matcher.find("son unos hp") == "hp"
    assert matcher.find("compro oro y plata") == "compro oro"
    assert matcher.find("hpta") is None


@pytest.mark.parametrize(
    ("text", "host"),
    [("visite www.ofertas-lotes.com ya", "ofertas-lotes.com"),
     ("entre a https://bit.ly/abc", "bit.ly"),
     ("en www.tenjo-cundinamarca.gov.co vi el formulario", None),
     ("sin enlaces", None)],
)
def test_foreign_link(text, host):
    assert foreign_link(text, ["gov.co"]) == host


@pytest.fixture(scope="module")
def conduct():
    config = {**ConductFilter.get_default_config(), "lexicon_dir": str(ROOT / "data/lexicons")}
    return ConductFilter(config)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("par de inutiles hijueputas como saco el certificado", "offensive"),
        ("HIJUEPUTAAAA", "offensive"),
        ("vendo lote en tenjo, informes al 3001234567", "commercial"),
        ("mire www.prestamos-ya.com", "commercial"),
        ("como pago el predial", None),
        ("mi perra se perdio, a quien le aviso", None),
        ("formulario en www.tenjo-cundinamarca.gov.co", None),
    ],
)
def test_conduct_check(conduct, text, intent):
    verdict = conduct.check(text)
    assert (verdict[0] if verdict else None) == intent


def test_conduct_overrides_the_classifier(conduct):
    message = Message.build("hp como pago el predial")
    message.set("intent", {"name": "faq", "confidence": 0.9})
    message.set("intent_ranking", [{"name": "faq", "confidence": 0.9}])
    conduct.process([message])
    assert message.get("intent") == {"name": "offensive", "confidence": 1.0}
    assert message.get("conduct")["rule"] == "offensive"
    assert "conduct" in message.as_dict(only_output_properties=True)


def selector(key, confidence):
    return {"faq": {"response": {"intent_response_key": key, "confidence": confidence}}}


@pytest.mark.parametrize(
    ("intent", "confidence", "selected", "expected_intent"),
    [
        ("faq", 0.95, 0.9, "faq"),
        ("faq", 0.95, 0.6, "check_understanding"),
        ("faq", 0.6, 0.95, "check_understanding"),
        ("faq", 0.95, 0.3, "nlu_fallback"),
        ("ask_hours", 0.6, None, "check_understanding"),
        ("greet", 0.5, None, "greet"),
    ],
)
def test_understanding_check(intent, confidence, selected, expected_intent):
    message = Message.build("texto")
    message.set("intent", {"name": intent, "confidence": confidence})
    if selected is not None:
        message.set("response_selector", selector("faq/sisben", selected))
    UnderstandingCheck({**UnderstandingCheck.get_default_config(), "sure_threshold": 0.75}).process(
        [message])
    assert message.get("intent")["name"] == expected_intent
    if intent != "greet":
        label = "faq/sisben" if intent == "faq" else intent
        assert message.get("understanding")["label"] == label


def test_full_label_of_a_retrieval_intent():
    data = {"intent": {"name": "faq", "confidence": 0.9},
            "response_selector": selector("faq/empleo", 0.7)}
    assert full_label(data, ["faq"]) == ("faq/empleo", 0.7)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Sertificado", "sertifikado"), ("certificado", "sertifikado"), ("sisven", "sisben"),
     ("SISBÉN", "sisben"), ("recidencia", "residensia"), ("residencia", "residensia"),
     ("licencia", "lisensia"), ("lisensia", "lisensia"), ("hola", "ola"), ("ola", "ola"),
     ("calle", "kaye"), ("chino", "chino"), ("que", "ke"), ("xq", "porke"),
     ("gestion", "jestion"), ("2026", "2026")],
)
def test_phonetic_normalisation(word, expected):
    assert normalize_word(word, DEFAULT_ABBREVIATIONS, use_phonetic=True) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("ana.perez@gmail.com", "__correo__"), ("Ana_P@hotmail.com,", "__correo__"),
     ("www.ofertas.com", "__enlace__"), ("https://bit.ly/x", "__enlace__")],
)
def test_emails_and_links_become_placeholders(word, expected):
    assert normalize_word(word, DEFAULT_ABBREVIATIONS, use_phonetic=True) == expected


def test_an_email_is_not_a_foreign_link(conduct):
    assert foreign_link("escribanme a luisa.t@yahoo.com", ["gov.co"]) is None
    assert conduct.check("mi correo es ana.perez@gmail.com") is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [("venta de tamales, encargos al 3126667788", "commercial"),
     ("ofrezco asesoria contable, 318 444 5566", "commercial"),
     ("mi celular es 3124567890", None),
     ("mi whatsapp es el 3023334455", None),
     ("llameme al 3168889900", None)],
)
def test_a_phone_number_with_an_advertising_cue(conduct, text, intent):
    verdict = conduct.check(text)
    assert (verdict[0] if verdict else None) == intent


def test_conduct_override_is_not_ambiguous_for_the_fallback(conduct):
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    message = Message.build("malparida alcaldia, donde pago el predial")
    message.set("intent", {"name": "faq", "confidence": 1.0})
    message.set("intent_ranking", [{"name": "faq", "confidence": 1.0},
                                   {"name": "offensive", "confidence": 0.0}])
    conduct.process([message])
    fallback = FallbackClassifier(
        {**FallbackClassifier.get_default_config(), "threshold": 0.45,
         "ambiguity_threshold": 0.05})
    fallback.process([message])
    assert message.get("intent")["name"] == "offensive"
    assert [r["name"] for r in message.get("intent_ranking")] == ["offensive", "faq"]


def test_word_lists_flag_no_training_example_of_another_intent(conduct):
    from rasa.shared.nlu.training_data.loading import load_data

    flagged = [
        (m.get_full_intent(), m.get("text"), conduct.check(m.get("text")))
        for m in load_data(str(ROOT / "data/nlu")).intent_examples
        if m.get("intent") not in ("offensive", "commercial") and conduct.check(m.get("text"))
    ]
    assert flagged == []

