"""The FAQ selector chooses a topic only for messages DIET classified as `faq`."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from addons.faq_selector import FaqResponseSelector


def selector(tmp_path, retrieval_intent):
    """An untrained selector: it still writes its (empty) choice on what it processes."""
    config = {**FaqResponseSelector.get_default_config(), "retrieval_intent": retrieval_intent}
    return FaqResponseSelector.create(
        config, LocalModelStorage(tmp_path), Resource("selector"),
        ExecutionContext(graph_schema=None, model_id="test"))


@pytest.mark.parametrize(
    ("retrieval_intent", "intent", "gets_a_topic"),
    [("faq", "faq", True),
     ("faq", "greet", False),
     ("faq", "nlu_fallback", False),
     ("faq", None, False),
     (None, "greet", True)],
)
def test_only_messages_of_the_retrieval_intent_get_a_topic(
        tmp_path, retrieval_intent, intent, gets_a_topic):
    message = Message.build("¿cómo saco el certificado de residencia?")
    if intent:
        message.set("intent", {"name": intent, "confidence": 0.9})
    other = Message.build("hola")
    other.set("intent", {"name": "greet", "confidence": 0.9})
    processed = selector(tmp_path, retrieval_intent).process([message, other])
    assert processed == [message, other]
    assert (message.get("response_selector") is not None) is gets_a_topic
    assert (other.get("response_selector") is not None) is (retrieval_intent is None)
