"""Gibberish is unclear: messages with no word the training data knows (addons/unknown_words.py)."""

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.text_normalizer import TextNormalizer
from addons.understanding_check import UnderstandingCheck
from addons.unknown_words import (
    UnknownWordsClassifier,
    could_be_a_name,
    is_filler,
    looks_like_a_word,
    names_something,
)

ROOT = Path(__file__).resolve().parents[2]

TRAINING = [
    ("hola buenas tardes", "greet"),
    ("sí, correcto", "affirm"),
    ("no señor", "deny"),
    ("como saco el certificado de residencia", "faq"),
    ("a que hora atienden", "ask_hours"),
    ("me llamo Ana María", "inform_name"),
    ("quien gano el partido", "out_of_scope"),
]


def _tokenize(messages):
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    TextNormalizer({"abbreviations": {}, "phonetic": True}).process(messages)


def _component(storage, resource):
    return UnknownWordsClassifier.create(
        UnknownWordsClassifier.get_default_config(), storage, resource,
        ExecutionContext(graph_schema=None, model_id="test"))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("unknown_words")
    examples = [Message.build(text, intent) for text, intent in TRAINING]
    _tokenize(examples)
    _component(storage, resource).train(TrainingData(training_examples=examples))
    # The vocabulary comes back from the model storage, as when a model is loaded.
    return UnknownWordsClassifier.load(
        UnknownWordsClassifier.get_default_config(), storage, resource,
        ExecutionContext(graph_schema=None, model_id="test"))


def _parse(component, text, *, intent="affirm", confidence=0.9, entities=(), conduct=None):
    message = Message.build(text)
    _tokenize([message])
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence},
                                   {"name": "greet", "confidence": 1 - confidence}])
    if entities:
        message.set("entities", list(entities))
    if conduct:
        message.set("conduct", conduct)
    component.process([message])
    return message


def test_the_vocabulary_is_stored_in_the_normalised_spelling(trained):
    # Phonetic lemmas: "certificado" is stored as the featurizers read it.
    assert {"sertifikado", "residensia", "ola", "ana", "maria"} <= trained.vocabulary


@pytest.mark.parametrize(
    "text",
    ["😀😀", "👍", "???", "¿?", "...", ":)", "<b></b>", "<p><br/></p>",
     "<script>alert(1)</script>", "asdkjh qwe zxcvv", "sdfsdf", "asdf", "qwerty",
     "ñlkjh", "jsjsjsjs", "1234", "de la", "y", "mmm"],
)
def test_messages_without_a_known_word_are_unclear(trained, text):
    message = _parse(trained, text)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "nlu_fallback"
    assert [r["confidence"] for r in ranking[1:]] == [0.45, pytest.approx(0.05)]
    assert "unknown_words" in message.as_dict(only_output_properties=True)


@pytest.mark.parametrize(
    "text",
    ["hola", "Hola 😀😀", "HOLAAAA!!!", "<b>hola</b>", "sertificado de recidencia",
     "zertifikado", "si", "no", "a que ora atienden?", "sí 👍"],
)
def test_messages_with_a_known_word_are_left_alone(trained, text):
    assert _parse(trained, text).get("intent") == {"name": "affirm", "confidence": 0.9}


@pytest.mark.parametrize(
    "text",
    ["Yeison", "yeison", "Ana María", "con Marcos", "Xiomara Ñañez", "Jhon Fredy Cubillos",
     "Stiven", "Schneider", "María-José", "D'Alessandro", "Yeison 🙂", "Brayan Stiven."],
)
def test_a_bare_name_is_left_to_the_classifier(trained, text):
    message = _parse(trained, text, intent="inform_name")
    assert message.get("intent")["name"] == "inform_name"


@pytest.mark.parametrize("intent", ["faq", "ask_hours", "complex_request", "request_human"])
@pytest.mark.parametrize("text", ["ahhh ya pero", "hmm entonces", "y?", "pues eso", "jajaja y",
                                  "Ok y", "esteee pues", "q?", "ya"])
def test_a_request_that_names_nothing_is_unclear(trained, intent, text):
    """Seen with the unclear set: "ahhh ya pero" got the FAQ answer on animal welfare,
    "hmm entonces" a person."""
    message = _parse(trained, text, intent=intent)
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    # with words of the vocabulary the reason is the request; without, no known word
    assert message.get("unknown_words")["reason"] in ("a request that names nothing",
                                                      "no known word")


def test_a_request_of_known_words_that_names_nothing_says_so(trained):
    """"que" is a word of the vocabulary ("a que hora atienden"): the message is read."""
    message = _parse(trained, "¿a que?", intent="faq")
    assert message.get("unknown_words") == {"reason": "a request that names nothing"}


@pytest.mark.parametrize(("text", "intent"), [
    ("ya pero", "affirm"), ("pues no", "deny"), ("ok", "affirm"), ("bueno", "thank"),
    ("y el certificado?", "faq"), ("a que hora", "ask_hours"), ("pues la alcaldia", "faq"),
    ("ya con una persona", "request_human"), ("Ana", "request_human"),
])
def test_dialogue_acts_and_requests_that_name_something_are_left_alone(trained, text, intent):
    assert _parse(trained, text, intent=intent).get("intent")["name"] == intent


@pytest.mark.parametrize(("word", "expected"), [
    ("ahhh", True), ("ESTEEE", True), ("jajaja", True), ("jsjs", False), ("de", True),
    ("7", True), ("q", True), ("mmm", True), ("pero", True), ("predial", False),
    ("calle", False), ("hora", False), ("eso", True),
])
def test_is_filler(word, expected):
    assert is_filler(word) is expected


def test_names_something():
    assert names_something("y el predial?") and not names_something("ahhh, ya... pero")


def test_the_chat_rule_check_and_contact_entities_keep_the_message(trained):
    flagged = _parse(trained, "zxcvb", intent="offensive",
                     conduct={"rule": "offensive", "reason": "word:zxcvb"})
    assert flagged.get("intent")["name"] == "offensive"
    phone = _parse(trained, "3124567890", intent="inform_contact",
                   entities=[{"entity": "telefono", "value": "3124567890"}])
    assert phone.get("intent")["name"] == "inform_contact"
    # DIET tags unknown words as names: a `nombre` entity alone does not keep mash.
    mash = _parse(trained, "sdfghj", intent="inform_name",
                  entities=[{"entity": "nombre", "value": "sdfghj"}])
    assert mash.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize(("text", "entity", "value", "kept"), [
    ("<img src=x onerror=alert(1)>", "telefono", "onerror=alert(1", False),
    ("<b>1234</b>", "telefono", "1234", False),
    ("xq 601 555 12 34", "telefono", "601 555 12 34", True),
    ("qwx ana@x.co", "correo", "ana@x.co", True),
])
def test_a_contact_entity_keeps_the_message_only_when_it_could_be_one(trained, text, entity,
                                                                      value, kept):
    """Seen in the conversation tests run end to end: DIET tagged a piece of markup as a
    phone number, and the markup was taken for contact details."""
    message = _parse(trained, text, intent="inform_contact",
                     entities=[{"entity": entity, "value": value}])
    assert (message.get("intent")["name"] == "inform_contact") is kept
    assert bool(message.get("entities")) is kept  # an unclear message keeps no guess


def test_the_fallback_classifier_and_understanding_check_keep_the_decision(trained):
    message = _parse(trained, "😀😀", intent="affirm", confidence=0.99)
    FallbackClassifier({"threshold": 0.45, "ambiguity_threshold": 0.05}).process([message])
    UnderstandingCheck(UnderstandingCheck.get_default_config()).process([message])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == [
        "nlu_fallback", "affirm", "greet"]


def test_without_a_vocabulary_nothing_changes(tmp_path):
    untrained = UnknownWordsClassifier.load(
        UnknownWordsClassifier.get_default_config(), LocalModelStorage(tmp_path),
        Resource("never_trained"), ExecutionContext(graph_schema=None, model_id="test"))
    assert untrained.vocabulary == set()
    assert _parse(untrained, "😀😀").get("intent")["name"] == "affirm"


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Yeison", True), ("construccion", True), ("instructor", True), ("Schmidt", True),
     ("asdf", False), ("fdsa", False), ("zxcv", False), ("poiu", False), ("kdr", False),
     ("zxcvv", False), ("asdkjh", False), ("bcdfgh", False), ("a1", False), ("", False),
     ("supercalifragilisticoexpialidoso", False)],
)
def test_looks_like_a_word(word, expected):
    assert looks_like_a_word(word) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ana María", True), ("ana maria rojas", True), ("😀😀", False), ("", False),
     ("uno dos tres cuatro cinco seis", False), ("Pedro asdf", False)],
)
def test_could_be_a_name(text, expected):
    assert could_be_a_name(text) is expected


def test_config_runs_it_after_the_classifiers_and_before_the_fallback():
    names = [c["name"] for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]]
    position = names.index("addons.unknown_words.UnknownWordsClassifier")
    assert names.index("addons.conduct_filter.ConductFilter") < position
    assert names.index("addons.diet_classifier.CacheFriendlyDIETClassifier") < position
    assert position < names.index("FallbackClassifier")
    assert position < names.index("addons.understanding_check.UnderstandingCheck")
