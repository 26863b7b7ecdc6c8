"""The linear classifier of full labels and its average with DIET and the FAQ selector."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.linear_blend import LinearBlendClassifier, blend, diet_distribution
from addons.text_normalizer import TextNormalizer

EXAMPLES = {
    "greet": ["hola", "buenos dias", "buenas tardes", "hola buenas noches", "saludos"],
    "thank": ["gracias", "muchas gracias", "mil gracias", "le agradezco", "gracias por todo"],
    "faq/catastro": ["como actualizo el avaluo catastral", "certificado catastral de mi lote",
                     "cambio de propietario en catastro", "ficha catastral del predio",
                     "avaluo catastral muy alto"],
    "faq/empleo": ["hay ofertas de empleo", "donde dejo la hoja de vida",
                   "busco trabajo en tenjo", "vacantes de empleo en el municipio",
                   "convocatorias de trabajo"],
}


def tokenized(text: str, **data) -> Message:
    """A message as the pipeline hands it over: tokens with normalised lemmas."""
    message = Message(data={"text": text, **data})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    TextNormalizer({"phonetic": True}).process([message])
    return message


def training_data() -> TrainingData:
    examples = []
    for label, texts in EXAMPLES.items():
        intent, _, topic = label.partition("/")
        for text in texts:
            data = {"intent": intent}
            if topic:
                data["intent_response_key"] = label
            examples.append(tokenized(text, **data))
    return TrainingData(training_examples=examples)


def component(tmp_path, **config) -> LinearBlendClassifier:
    return LinearBlendClassifier.create(
        {**LinearBlendClassifier.get_default_config(), **config},
        LocalModelStorage(tmp_path), Resource("blend"),
        ExecutionContext(graph_schema=None, model_id="test"))


def parsed(text: str, intent: str, confidence: float, ranking=None, topics=None) -> Message:
    """A message as DIET (and the selector, when `topics`) left it."""
    message = tokenized(text)
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", ranking or [{"name": intent, "confidence": confidence}])
    if topics:
        message.set("response_selector", {"faq": {
            "response": {"intent_response_key": topics[0][0], "confidence": topics[0][1],
                         "responses": [{"text": "x"}], "utter_action": f"utter_{topics[0][0]}"},
            "ranking": [{"intent_response_key": k, "confidence": c} for k, c in topics]}})
    return message


@pytest.mark.parametrize(
    ("ranking", "topics", "linear", "expected"),
    [
        # the selector ran: faq's share spread by its ranking
        ([("faq", 0.8), ("greet", 0.2)], [("faq/catastro", 0.75), ("faq/empleo", 0.25)], {},
         {"greet": 0.2, "faq/catastro": 0.6, "faq/empleo": 0.2}),
        # it did not: spread as the linear model spreads its own topics
        ([("greet", 0.6), ("faq", 0.4)], None,
         {"faq/catastro": 0.1, "faq/empleo": 0.3, "greet": 0.6},
         {"greet": 0.6, "faq/catastro": 0.1, "faq/empleo": 0.3}),
        # no faq at all
        ([("greet", 1.0)], None, {"greet": 1.0}, {"greet": 1.0}),
    ],
)
def test_diet_distribution(ranking, topics, linear, expected):
    data = {"intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]}
    if topics:
        data["response_selector"] = {"faq": {"ranking": [
            {"intent_response_key": k, "confidence": c} for k, c in topics]}}
    assert diet_distribution(data, linear, "faq") == pytest.approx(expected)


@pytest.mark.parametrize(
    ("weight", "expected"),
    [(1.0, {"a": 0.8, "b": 0.2, "c": 0.0}),
     (0.0, {"a": 0.0, "b": 0.5, "c": 0.5}),
     (0.5, {"a": 0.4, "b": 0.35, "c": 0.25})],
)
def test_blend_is_a_weighted_average(weight, expected):
    assert blend({"a": 0.8, "b": 0.2}, {"b": 0.5, "c": 0.5}, weight) == pytest.approx(expected)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("blend")
    blend_component = component(path)
    blend_component.train(training_data())
    return path, blend_component


def test_the_linear_model_learns_full_labels(trained):
    _, blend_component = trained
    linear = blend_component.linear_distribution(tokenized("quiero saber del avaluo catastral"))
    assert max(linear, key=linear.get) == "faq/catastro"
    assert sum(linear.values()) == pytest.approx(1.0)


def test_a_topic_diet_missed_is_chosen_with_the_selector_output(trained):
    """DIET unsure between greet and faq, no selector run: the blend picks the topic."""
    _, blend_component = trained
    message = parsed("busco vacantes de trabajo", "greet", 0.52,
                     ranking=[{"name": "greet", "confidence": 0.52},
                              {"name": "faq", "confidence": 0.48}])
    blend_component.process([message])
    intent = message.get("intent")
    assert intent["name"] == "faq"
    selected = message.get("response_selector")["faq"]["response"]
    assert selected["intent_response_key"] == "faq/empleo"
    assert selected["utter_action"] == "utter_faq/empleo"
    assert selected["confidence"] <= intent["confidence"]
    ranking = message.get("intent_ranking")
    assert ranking[0]["name"] == "faq"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0, abs=0.02)


def test_a_message_that_is_no_question_still_carries_the_blended_topic(trained):
    """As with Rasa's own selector: the topic is there, and read only for `faq`."""
    _, blend_component = trained
    message = parsed("muchas gracias", "faq", 0.55,
                     ranking=[{"name": "faq", "confidence": 0.55},
                              {"name": "thank", "confidence": 0.45}],
                     topics=[("faq/empleo", 0.6), ("faq/catastro", 0.4)])
    blend_component.process([message])
    assert message.get("intent")["name"] == "thank"
    selected = message.get("response_selector")["faq"]["response"]
    assert selected["intent_response_key"] == "faq/empleo"
    assert selected["confidence"] < 0.5


def test_diet_weight_one_changes_nothing_but_the_form(trained):
    path, _ = trained
    only_diet = LinearBlendClassifier.load(
        {**LinearBlendClassifier.get_default_config(), "diet_weight": 1.0},
        LocalModelStorage(path), Resource("blend"),
        ExecutionContext(graph_schema=None, model_id="test"))
    message = parsed("hola", "greet", 0.9, ranking=[{"name": "greet", "confidence": 0.9},
                                                    {"name": "thank", "confidence": 0.1}])
    only_diet.process([message])
    assert message.get("intent") == {"name": "greet", "confidence": pytest.approx(0.9)}


def test_persisted_model_is_loaded(trained):
    path, blend_component = trained
    loaded = LinearBlendClassifier.load(
        LinearBlendClassifier.get_default_config(), LocalModelStorage(path),
        Resource("blend"), ExecutionContext(graph_schema=None, model_id="test"))
    message = tokenized("hay ofertas de empleo")
    assert loaded.linear_distribution(message) == pytest.approx(
        blend_component.linear_distribution(message))


def test_without_a_stored_model_messages_pass_unchanged(tmp_path):
    untrained = LinearBlendClassifier.load(
        LinearBlendClassifier.get_default_config(), LocalModelStorage(tmp_path),
        Resource("nothing"), ExecutionContext(graph_schema=None, model_id="test"))
    message = parsed("hola", "greet", 0.9)
    untrained.process([message])
    assert message.get("intent") == {"name": "greet", "confidence": 0.9}


def test_messages_without_text_or_intent_pass_unchanged(trained):
    _, blend_component = trained
    empty = Message(data={"text": ""})
    no_intent = tokenized("hola")
    blend_component.process([empty, no_intent])
    assert empty.get("intent") is None and no_intent.get("intent") is None


@pytest.mark.parametrize(
    ("confidence", "kept"),
    [(0.94, True),   # sure of an intent to keep: DIET's output stands
     (0.65, True),   # the threshold itself is sure
     (0.6, False)],  # unsure: blended like any other
)
def test_a_sure_intent_to_keep_is_not_blended(tmp_path, confidence, kept):
    """A request for a person naming a topic stays DIET's when DIET is sure of it."""
    keeping = component(tmp_path, keep_sure_intents=["greet"], keep_threshold=0.65)
    keeping.train(training_data())
    ranking = [{"name": "greet", "confidence": confidence},
               {"name": "faq", "confidence": 1.0 - confidence}]
    message = parsed("hola avaluo catastral del predio ficha catastral", "greet", confidence,
                     ranking=ranking)
    keeping.process([message])
    if kept:
        assert message.get("intent") == {"name": "greet", "confidence": confidence}
        assert message.get("intent_ranking") == ranking
    else:
        assert message.get("intent")["name"] == "faq"
