"""The dialogue matrix's own mechanics (tools/dialogue_matrix.py, tools/in_process_actions.py).

Most tests need no model: the in-process action endpoint runs a real action through
Rasa's own `RemoteAction`, the verdicts and the state check judge made-up turns, and
the kinds and states are generated from the project's files. The tests at the end load
the trained model (a few seconds) and are marked `stack`, the group `make test` runs
after `make train` (`make test-fast` leaves them out).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from rasa_runtime.replacing import rasas
from tools import dialogue_matrix as dm
from tools.in_process_actions import InProcessActionEndpoint, action_executor


@pytest.fixture
def environment(tmp_path):
    """A migrated store and the staffed clock, as the matrix sets them."""
    with dm.matrix_environment(tmp_path) as (url, clock_file):
        yield url, clock_file


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(dm.ROOT / "domain.yml"))


def run_remote(name: str, endpoint, domain: Domain) -> list:
    """Rasa's own RemoteAction with the endpoint, on a conversation that asked something."""
    tracker = DialogueStateTracker.from_events("matrix-test", [
        ActionExecuted("action_listen"),
        UserUttered("a que hora atienden", {"name": "ask_hours", "confidence": 1.0}),
    ])
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    action = RemoteAction(name, endpoint)
    # Rasa's own `run`, whether or not another test of the session ran rasa_runtime.install()
    # (which wraps it to apologise instead of raising).
    rasas_run = rasas(RemoteAction, "run")
    return asyncio.run(rasas_run(action, CollectingOutputChannel(), nlg, tracker, domain))


# -- the in-process action endpoint --------------------------------------------------------


def test_a_real_action_runs_in_process_through_rasas_remote_action(environment, domain):
    endpoint = InProcessActionEndpoint(action_executor())
    events = run_remote("action_tell_office_hours", endpoint, domain)
    texts = [e.text for e in events if isinstance(e, BotUttered)]
    assert texts[0].startswith("Los funcionarios del CISAT atienden este chat")
    assert "En este momento hay atención de funcionarios en el chat." in texts  # staffed clock
    assert endpoint.calls == ["action_tell_office_hours"] and endpoint.errors == []


class FakeExecutor:
    def __init__(self, outcome):
        self.outcome = outcome
        self.received = None

    async def run(self, action_call):
        self.received = action_call
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_the_action_call_is_rasas_json_and_the_answer_is_read_back(domain):
    executor = FakeExecutor({"events": [{"event": "slot", "name": "next_step",
                                         "value": "listen"}],
                             "responses": [{"response": "utter_ask_detail"}]})
    events = run_remote("action_clarify", InProcessActionEndpoint(executor), domain)
    assert executor.received["next_action"] == "action_clarify"
    assert executor.received["tracker"]["sender_id"] == "matrix-test"
    json.dumps(executor.received)  # what went over HTTP goes through JSON here
    assert [e.text for e in events if isinstance(e, BotUttered)] == [
        "¿Puede precisarme con más detalle su solicitud?"]


def test_a_failing_action_fails_as_on_the_action_server_and_is_recorded(domain):
    endpoint = InProcessActionEndpoint(FakeExecutor(KeyError("nombre")))
    with pytest.raises(RasaException):
        run_remote("action_capture_name", endpoint, domain)
    assert endpoint.errors[0].action == "action_capture_name"
    assert "KeyError" in endpoint.errors[0].error


def test_a_rejection_is_rasas_rejection(domain):
    from rasa_sdk.interfaces import ActionExecutionRejection as SdkRejection

    endpoint = InProcessActionEndpoint(FakeExecutor(SdkRejection("action_clarify")))
    with pytest.raises(ActionExecutionRejection):
        run_remote("action_clarify", endpoint, domain)
    assert endpoint.errors == []


# -- verdicts -------------------------------------------------------------------------


def turn(*texts, actions=("action_listen",), **fields) -> dm.Turn:
    made = dm.Turn(sent="x", messages=[{"text": t, "response": r} for t, r in texts],
                   actions=list(actions), **fields)
    if "last_action" not in fields:
        spoken = [a for a in made.actions if a != dm.LISTEN]
        made.last_action = spoken[-1] if spoken else None
    return made


ASK = ("¿Puede precisarme con más detalle su solicitud?", "utter_ask_detail")


def verdicts(failures) -> set[str]:
    return {f.verdict for f in failures}


def test_a_good_turn_passes():
    good = turn(ASK, actions=["action_clarify", "action_listen"])
    assert dm.mechanics_failures(good) == []


def test_a_repeated_message_and_a_turn_that_does_not_listen_are_flagged():
    loop = turn(*[ASK] * 10, actions=["action_clarify"] * 10, listening=False, breaker=True)
    failures = dm.mechanics_failures(loop)
    assert verdicts(failures) == {dm.ENDS_LISTENING, dm.NO_REPEAT, dm.UNDER_LIMIT,
                                  dm.AT_MOST_MESSAGES}
    assert "10× ¿Puede precisarme" in next(f.detail for f in failures
                                           if f.verdict == dm.NO_REPEAT)


def test_silence_is_flagged_except_in_a_closed_chat_or_for_the_agent():
    assert verdicts(dm.mechanics_failures(turn())) == {dm.NOT_SILENT}
    assert dm.mechanics_failures(turn(paused=True)) == []
    assert dm.mechanics_failures(turn(relayed=True)) == []
    assert dm.mechanics_failures(turn(), silence_ok=True) == []


def test_a_failed_action_is_flagged():
    failed = turn(ASK, errors=["action_clarify: KeyError"])
    assert verdicts(dm.mechanics_failures(failed)) == {dm.NO_ERROR}


def test_the_reply_must_fit_the_message():
    hello = turn(("Disculpe, no logré identificar su nombre.", "utter_name_not_understood"),
                 intent="greet")
    assert verdicts(dm.fit_failures(hello, unclear=False)) == {dm.RECOGNISED}
    gibberish = turn(("Este chat orienta…", "utter_out_of_scope"), intent="out_of_scope")
    assert verdicts(dm.fit_failures(gibberish, unclear=True)) == {dm.UNCLEAR}
    asked = turn(ASK, intent="nlu_fallback")
    assert dm.fit_failures(asked, unclear=True) == []
    # the paraphrase that was pending, asked again after the clarification (protocol 3.4)
    again = turn(ASK, ("Entiendo que su consulta es sobre … ¿Es correcto?", "utter_confirm_topic"),
                 intent="nlu_fallback")
    assert dm.fit_failures(again, unclear=True) == []
    before = turn(("Entiendo que su consulta es sobre … ¿Es correcto?", "utter_confirm_topic"),
                  intent="nlu_fallback")
    assert verdicts(dm.fit_failures(before, unclear=True)) == {dm.UNCLEAR}


def test_the_follow_up_must_be_answered_unless_the_chat_was_closed():
    assert verdicts(dm.follow_up_failures(turn(), closed_before=False)) == {
        dm.FOLLOW_UP_ANSWERED}
    assert dm.follow_up_failures(turn(), closed_before=True) == []
    silent_loop = turn(actions=[], listening=False, last_action="action_clarify",
                       breaker=True)
    failure, = dm.follow_up_failures(silent_loop, closed_before=False)
    assert "no reply" in failure.detail and dm.UNDER_LIMIT in failure.detail


# -- the state check ----------------------------------------------------------------------


def test_a_state_is_recognised_by_its_last_message_and_slots():
    expect = dm.Expect("utter_how_can_help", (("next_step", "how_can_help"),))
    reached = turn(("¿En qué le puedo ayudar?", "utter_how_can_help"),
                   slots={"next_step": "how_can_help"})
    assert dm.check_reached(expect, [reached]) == []
    elsewhere = turn(("¿Me puede indicar su nombre, por favor?", "utter_ask_name"),
                     slots={"next_step": "ask_name"})
    problems = dm.check_reached(expect, [elsewhere])
    assert len(problems) == 2
    assert "expected utter_how_can_help" in problems[0]
    assert "next_step='ask_name'" in problems[1]
    assert dm.check_reached(dm.Expect(paused=True), [reached]) == ["the chat is not closed"]


# -- generated from the domain, the rules and the data ----------------------------------------


def test_every_intent_and_faq_topic_is_a_kind_and_a_new_intent_would_be_one():
    domain, examples = dm.load_domain(), dm.load_examples()
    names = {kind.name for kind in dm.generate_kinds(domain, examples)}
    for intent in dm.intent_names(domain):
        if intent != "faq":
            assert intent in names or f"api:{intent}" in names
    assert {f"faq/{topic}" for topic in dm.faq_topics(domain)} <= names
    grown = {**domain, "intents": [*domain["intents"], "ask_weather"]}
    kinds = {k.name: k for k in dm.generate_kinds(grown, examples)}
    assert kinds["ask_weather"].group == dm.NO_EXAMPLE  # reported, not skipped
    assert kinds["inform_name"].text == "me llamo Ana María"  # entity markup removed


def test_the_questions_rules_wait_for_and_the_state_values_are_read_from_the_project():
    prompts = dm.prompt_actions(dm.load_rules())
    assert {"utter_ask_name", "utter_ask_satisfaction", "utter_ask_more_questions",
            "action_confirm_understanding", "action_inactivity_prompt"} <= prompts
    required = dm.required_coverage(dm.load_domain(), dm.load_rules())
    assert "ask_consent" in required["next_step"] and required["handoff"] == {"waiting", "taken"}


def test_pair_names_need_no_model():
    names = dm.pair_names(states=["help_offered"], kinds=["greet", "gibberish"])
    assert names == ["help_offered × greet", "help_offered × gibberish"]
    assert len(dm.pair_names()) == len(dm.STATES) * len(
        dm.generate_kinds(dm.load_domain(), dm.load_examples()))


def test_faq_answers_are_named_block_by_block():
    namer = dm.ResponseNamer(dm.load_domain())
    assert namer.name("Mucho gusto, Ana.") == "utter_nice_to_meet_you"
    block = ("Si necesita el recibo o tiene una duda sobre su caso, puede escribir en el "
             "formulario PQRD: http://example.org/pqrd")
    assert namer.name(block) == "utter_faq/impuesto_predial"
    assert namer.name("Buenos días, soy Laura.") is None
    assert namer.name("x", "utter_greet") == "utter_greet"


# -- with the trained model -------------------------------------------------------------


@pytest.fixture(scope="module")
def harness():
    if not dm.DEFAULT_MODEL.exists():
        pytest.fail("No trained model at models/tenjo.tar.gz: run `make train` (make test does).")
    with dm.open_harness() as opened:
        yield opened


@pytest.mark.stack
def test_a_state_prefix_is_run_and_verified(harness):
    state = next(s for s in dm.STATES if s.name == "help_offered")
    examples = dm.load_examples()
    turns, problems = asyncio.run(dm.run_state(harness, state, examples, "matrix-t1"))
    assert problems == []
    assert turns[-1].slots["next_step"] == "how_can_help"
    assert turns[-1].actions[-1] == "action_listen"
    wrong = dm.State("wrong", "expects the satisfaction question", state.steps,
                     dm.Expect("utter_ask_satisfaction"))
    _, problems = asyncio.run(dm.run_state(harness, wrong, examples, "matrix-t2"))
    assert problems and "expected utter_ask_satisfaction" in problems[0]


@pytest.mark.stack
def test_a_pair_runs_its_message_and_the_follow_up(harness):
    state = next(s for s in dm.STATES if s.name == "help_offered")
    kind = dm.Kind("ask_hours", "intent", "a que hora atienden")
    pair = asyncio.run(dm.run_pair(harness, state, kind, dm.load_examples(),
                                   "como pago el predial"))
    assert pair.turn.intent == "ask_hours"
    assert "action_tell_office_hours" in pair.turn.actions
    assert pair.follow_up.visible, "the follow-up is answered"
    assert dm.STATE_REACHED not in {f.verdict for f in pair.failures}


def test_uncertain_candidates_add_short_pieces_of_the_faq_examples():
    examples = {"faq/programas_sociales": ["como pido el subsidio", "ayudas"],
                "greet": ["hola buenos dias"]}
    candidates = dm.uncertain_candidates(examples)
    assert candidates[: len(dm.UNCERTAIN_CANDIDATES)] == list(dm.UNCERTAIN_CANDIDATES)
    assert candidates[len(dm.UNCERTAIN_CANDIDATES):] == ["el subsidio", "subsidio"]


class CountingProcessor:
    """A processor whose parse counts its calls and gives a fresh result each time."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def parse_message(self, message, tracker=None, only_output_properties=True):
        self.calls.append(message.text)
        return {"text": message.text, "intent": {"name": f"intent-{len(self.calls)}"}}


def test_parse_once_parses_each_text_once_and_gives_copies():
    from rasa.core.channels.channel import UserMessage

    processor = CountingProcessor()
    memo = dm.parse_once(processor)

    async def parse(text, metadata=None):
        return await processor.parse_message(UserMessage(text, metadata=metadata))

    async def scenario():
        first = await parse("hola")
        first["intent"]["name"] = "changed by the caller"
        again = await parse("hola")
        other = await parse("como pago el predial")
        with_metadata = [await parse("hola", {"x": 1}), await parse("hola", {"x": 1})]
        return again, other, with_metadata

    again, other, with_metadata = asyncio.run(scenario())
    assert again["intent"]["name"] == "intent-1"  # the first result, not the caller's edit
    assert other["intent"]["name"] == "intent-2"
    assert [m["intent"]["name"] for m in with_metadata] == ["intent-3", "intent-4"]
    assert processor.calls == ["hola", "como pago el predial", "hola", "hola"]
    assert set(memo) == {("hola", True), ("como pago el predial", True)}
