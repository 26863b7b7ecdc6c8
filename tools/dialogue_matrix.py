"""Every dialogue state × every kind of message, run against the trained model in process.

Issue 17 (PROTOCOL-MAP R3).

    python -m tools.dialogue_matrix [--model models/tenjo.tar.gz] [--out results/dialogue-matrix.md]
                                    [--raw] [--state NAME …] [--kind NAME …] [--examples N]
                                    [--max-messages N] [--quiet]

A full run (26 states × 53 kinds, 1,378 pairs) takes about 4 minutes on one core, 35 s
of it loading the model.

No Rasa server and no action server: the model is loaded once with
`rasa.core.agent.Agent.load` (in-memory tracker and lock stores), the replacements of
`rasa_runtime.install()` are installed as the server installs them, and the custom
actions of `actions/` run in this process through a rasa-sdk executor
(tools/in_process_actions.py). The actions' store is a fresh SQLite file in a
temporary folder, migrated first, and their clock (`TENJO_FAKE_NOW`, a file) reads
a staffed weekday morning, as the tests' stacks do (tests/conftest.py `STAFFED`).

A *state* is reached by a short real conversation (`STATES`, one table): the citizen's
messages, the console's events (`EXTERNAL_…` intents through `Agent.trigger_intent`,
as Rasa's HTTP API passes them) and the console's changes to the store
(store/handoffs.py, store/activity.py). After its prefix each state is checked (the
last bot message, the slots, a closed chat), so a broken prefix is reported instead
of testing the wrong state. Which states must exist is read from the domain, the
rules and the store: every value of the `next_step` slot, every open hand-off status,
every bot question a rule waits an answer to (an action followed by an intent in a
rule), and a closed chat. A value that some turn of the matrix rests in but that no
state of the table starts from is a failure; one never rested in is listed as
transient.

The *kinds* of message are generated: each intent of the domain (its first examples
in data/nlu; the console's `EXTERNAL_…` events triggered as the console does, with
nothing changed in the store), each FAQ topic (`utter_faq/<topic>` and its first
examples), and `SPECIAL_KINDS` (gibberish, empty, emoji, 5,000 characters, HTML,
commands typed by hand, a long story before a question). By default a message goes
through what the public channels do before Rasa (channels/: `neutralize`, the
message guard, the activity record); `--raw` hands it to Rasa as typed.

For each pair: a new conversation, the prefix, the message, then an ordinary
follow-up: an FAQ question (`follow_up_text`: the first example written "¿…?" of the
FAQ topic with the shortest answer, among those the model answers for sure with that
topic). A question is what an assistant must always answer (a "gracias" may rightly
end the chat, a bare keyword may pass for a name at the name prompt); in a chat
handed off it must reach the agent, in a closed chat nothing is owed. Verdicts
(`VERDICTS`): the turn ends by listening (or closes the chat), sends at most
`MAX_MESSAGES` messages, repeats none, stays under Rasa's `max_number_of_predictions`
(the circuit breaker is watched), is not silent (except in a closed chat, for a
message that went to the agent, or for a console event with nothing to do), no
custom action fails, and the follow-up gets an answer (its turn checked the same
way). Two verdicts check the reply fits the message: a recognised greeting,
thanks, question… is not answered as not understood (nor a question taken for a
name), and an unclear message (gibberish, markup, punctuation, nothing) is not
answered as if understood; the response sets they use (`NOT_UNDERSTOOD`,
`UNDERSTOOD`) are the one hand-made classification here.

`run_matrix()` returns the results (for a pytest test to parametrize over
`pair_names()`); the command prints a summary, writes the Markdown table, and
exits with 1 when any pair fails.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import logging
import os
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "models" / "tenjo.tar.gz"
DEFAULT_OUT = ROOT / "results" / "dialogue-matrix.md"

STAFFED = "2026-12-01T09:00:00-05:00"  # a Tuesday morning, agents on duty (tests/conftest.py)
EVENING = "2026-12-01T19:00:00-05:00"  # the same Tuesday, no agent
MAX_MESSAGES = 4
AGENT_NAME = "Laura Gómez"
LISTEN = "action_listen"

# ---------------------------------------------------------------------------------------
# Verdicts


ENDS_LISTENING = "ends_listening"
AT_MOST_MESSAGES = "at_most_messages"
NO_REPEAT = "no_repeated_message"
UNDER_LIMIT = "under_prediction_limit"
NOT_SILENT = "not_silent"
NO_ERROR = "no_action_error"
FOLLOW_UP_ANSWERED = "follow_up_answered"
RECOGNISED = "recognised_not_misunderstood"
UNCLEAR = "unclear_not_answered"
STATE_REACHED = "state_reached"
STATE_COVERED = "state_covered"
KIND_EXAMPLE = "kind_has_example"

VERDICTS = {
    ENDS_LISTENING: "the turn ends by listening (action_listen), or it closed the chat",
    AT_MOST_MESSAGES: f"the turn sends at most {MAX_MESSAGES} messages",
    NO_REPEAT: "no message is sent twice in one turn",
    UNDER_LIMIT: "the turn stays under Rasa's max_number_of_predictions (circuit breaker)",
    NOT_SILENT: "the bot answers, unless the chat is closed, the message went to the agent, "
                "or it is a console event with nothing to do",
    NO_ERROR: "no custom action fails (the citizen would get the technical-problem message)",
    FOLLOW_UP_ANSWERED: "the next ordinary message (an FAQ question) is answered, relayed to "
                        "the agent or, in a closed chat, ignored; its turn passes the checks "
                        "above",
    RECOGNISED: "a recognised greeting, thanks, goodbye or question is answered as what it is: "
                "not as not understood, and a question is not taken for the citizen's name",
    UNCLEAR: "an unclear message (gibberish, markup, punctuation, nothing) is not answered as if "
             "understood",
    STATE_REACHED: "the state's prefix reaches the state (last bot message, slots, closed chat)",
    STATE_COVERED: "every state the domain and rules define is the start of a row of the matrix",
    KIND_EXAMPLE: "every intent and FAQ topic has an example message",
}

# Replies that say the message was not understood.
NOT_UNDERSTOOD = frozenset({
    "utter_ask_detail", "utter_name_not_understood", "utter_email_not_understood",
})
# What the bot says for an unclear message (P4): the clarification, or the other ways.
CLARIFICATIONS = frozenset({"utter_ask_detail", "utter_offer_pqrd"})
# Intents that have a reply of their own, never "not understood".
RECOGNISED_INTENTS = frozenset({
    "greet", "goodbye", "thank", "bot_challenge", "ask_rules", "faq", "ask_hours",
    "complex_request", "request_human",
})
# Questions: never the citizen's name.
QUESTION_INTENTS = frozenset({"faq", "ask_hours", "complex_request", "request_human"})
NAME_TAKEN = "utter_nice_to_meet_you"
# Replies that presuppose the message was understood (plus every FAQ answer).
UNDERSTOOD = frozenset({
    "utter_out_of_scope", "utter_iamabot", "utter_office_hours", "utter_escalate_pqrd",
    "utter_chat_terms", "utter_nice_to_meet_you", "utter_you_are_welcome", "utter_farewell",
    "utter_conduct_warning", "utter_commercial_warning", "utter_name_refused",
    "utter_follow_up_declined", "utter_please_wait", "utter_agents_offline",
    "utter_left_queue", "utter_thanks_for_confirming", "utter_confirm_topic",
})
FAQ_RESPONSE_PREFIX = "utter_faq/"


@dataclass(frozen=True)
class Failure:
    """One verdict that failed, with what was seen."""

    verdict: str
    detail: str


# ---------------------------------------------------------------------------------------
# Turns


@dataclass
class Turn:
    """What one message (or console event) did to a conversation."""

    sent: str                      # the text Rasa got, or `API <intent>`
    messages: list[dict[str, Any]] = field(default_factory=list)  # text, response, custom
    actions: list[str] = field(default_factory=list)  # run in this turn, in order
    intent: str | None = None
    confidence: float | None = None
    refusal: str | None = None     # the channel guard's answer (no Rasa turn)
    breaker: bool = False          # Rasa's circuit breaker tripped
    errors: list[str] = field(default_factory=list)
    listening: bool = True         # the conversation's latest action is action_listen
    paused: bool = False           # the chat is closed (conversation paused)
    relayed: bool = False          # the message was stored for the agent
    slots: dict[str, Any] = field(default_factory=dict)
    last_action: str | None = None  # the latest bot action other than action_listen
    max_predictions: int = 10

    @property
    def visible(self) -> list[dict[str, Any]]:
        """The messages the citizen reads (custom JSON such as `chat_closed` excluded),
        as the channels send them: Rasa's REST and socket.io outputs send each part of a
        text between blank lines as a message of its own (not a text with buttons)."""
        return [{**m, "text": part} for m in self.messages if m.get("text")
                for part in ([m["text"]] if m.get("buttons")
                             else m["text"].strip().split("\n\n"))]

    @property
    def responses(self) -> list[str]:
        """The response name of each visible message."""
        return [m.get("response") or "text" for m in self.visible]

    def summary(self, width: int = 110) -> list[str]:
        """One line per visible message, shortened."""
        lines = []
        for message in self.visible:
            text = " ".join(str(message["text"]).split())
            if len(text) > width:
                text = text[: width - 1] + "…"
            lines.append(f"{message.get('response') or 'text'}: {text}")
        return lines


def _predicted(turn: Turn) -> int:
    return sum(1 for action in turn.actions if action != LISTEN)


def mechanics_failures(turn: Turn, silence_ok: bool = False,
                       max_messages: int = MAX_MESSAGES) -> list[Failure]:
    """The issue's checks of one turn (see `VERDICTS`)."""
    failures = []
    if not (turn.listening or turn.paused):
        failures.append(Failure(ENDS_LISTENING, f"ends with {turn.last_action or 'nothing'}"))
    if len(turn.visible) > max_messages:
        failures.append(Failure(AT_MOST_MESSAGES, f"{len(turn.visible)} messages"))
    repeated = [text for text, n in Counter(m["text"] for m in turn.visible).items() if n > 1]
    if repeated:
        counts = Counter(m["text"] for m in turn.visible)
        failures.append(Failure(NO_REPEAT, "; ".join(
            f"{counts[text]}× {_short(text)}" for text in repeated)))
    if turn.breaker or _predicted(turn) >= turn.max_predictions:
        failures.append(Failure(UNDER_LIMIT, f"{_predicted(turn)} actions"
                                + (", circuit breaker tripped" if turn.breaker else "")))
    if not turn.visible and not (turn.paused or turn.relayed or silence_ok):
        failures.append(Failure(NOT_SILENT, "no message"))
    if turn.errors:
        failures.append(Failure(NO_ERROR, "; ".join(turn.errors)))
    return failures


def fit_failures(turn: Turn, unclear: bool) -> list[Failure]:
    """Whether the reply fits what the message was (see `RECOGNISED`, `UNCLEAR`)."""
    failures = []
    responses = turn.responses
    if turn.intent in RECOGNISED_INTENTS:
        wrong = [r for r in responses if r in NOT_UNDERSTOOD]
        if wrong:
            failures.append(Failure(RECOGNISED, f"{turn.intent} answered {', '.join(wrong)}"))
    if turn.intent in QUESTION_INTENTS and NAME_TAKEN in responses:
        said = next(m["text"] for m in turn.visible if m.get("response") == NAME_TAKEN)
        failures.append(Failure(RECOGNISED, f"{turn.intent} taken for a name: {said!r}"))
    if unclear:
        # After the clarification, the question that was pending is asked again (P4,
        # protocol 3.4): it is about the earlier message, not this one.
        first = next((i for i, r in enumerate(responses) if r in CLARIFICATIONS),
                     len(responses))
        wrong = [r for r in responses[:first]
                 if r in UNDERSTOOD or r.startswith(FAQ_RESPONSE_PREFIX)]
        if wrong:
            failures.append(Failure(UNCLEAR, f"{turn.intent} answered {', '.join(wrong)}"))
    return failures


def follow_up_failures(turn: Turn, closed_before: bool,
                       max_messages: int = MAX_MESSAGES) -> list[Failure]:
    """The follow-up is answered (relayed, or ignored in a closed chat) and its turn passes."""
    problems = []
    if not turn.visible and not (turn.relayed or turn.paused or closed_before):
        problems.append("no reply")
    problems += [f"{f.verdict}: {f.detail}"
                 for f in mechanics_failures(turn, silence_ok=True, max_messages=max_messages)]
    return [Failure(FOLLOW_UP_ANSWERED, "; ".join(problems))] if problems else []


def _short(text: str, width: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------
# Data read from the project: domain, rules, NLU examples


def load_domain(root: Path = ROOT) -> dict[str, Any]:
    """domain.yml as plain data."""
    return yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))


def intent_names(domain: dict[str, Any]) -> list[str]:
    """The domain's intents, in order."""
    return [next(iter(i)) if isinstance(i, dict) else str(i) for i in domain.get("intents", [])]


def faq_topics(domain: dict[str, Any]) -> list[str]:
    """`<topic>` of every `utter_faq/<topic>` response."""
    return [name[len(FAQ_RESPONSE_PREFIX):] for name in domain.get("responses", {})
            if name.startswith(FAQ_RESPONSE_PREFIX)]


def load_rules(root: Path = ROOT) -> list[dict[str, Any]]:
    """Every rule of data/rules."""
    rules = []
    for path in sorted((root / "data" / "rules").glob("*.yml")):
        rules += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []
    return rules


def prompt_actions(rules: Iterable[dict[str, Any]]) -> set[str]:
    """Bot actions some rule waits an answer to: an action step followed by an intent."""
    found = set()
    for rule in rules:
        steps = rule.get("steps") or []
        for step, following in zip(steps, steps[1:], strict=False):
            if "action" in step and ("intent" in following or "or" in following):
                found.add(step["action"])
    return found


def load_examples(root: Path = ROOT) -> dict[str, list[str]]:
    """The plain texts of data/nlu by full label (intent, or `faq/<topic>`), in file order."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    examples: dict[str, list[str]] = {}
    for path in sorted((root / "data" / "nlu").glob("*.yml")):
        for message in RasaYAMLReader().read(str(path)).intent_examples:
            label = message.get("intent_response_key") or message.get("intent")
            examples.setdefault(label, []).append(message.get("text"))
    return examples


# ---------------------------------------------------------------------------------------
# Kinds of message


@dataclass(frozen=True)
class Kind:
    """A kind of message: typed by the citizen (`text`) or a console event (`api_intent`)."""

    name: str
    group: str
    text: str | None = None
    api_intent: str | None = None
    unclear: bool = False      # the bot should ask for detail, not answer
    silence_ok: bool = False   # a console event with nothing to do may say nothing

    @property
    def shown(self) -> str:
        """How the message is shown in the report."""
        if self.api_intent:
            return f"(console event {self.api_intent})"
        return repr(_short(self.text or "", 50))


# Messages a model may understand only roughly (between the fallback and the sure
# thresholds): paraphrased and confirmed (P5). Which one is, depends on the model:
# `uncertain_text` picks the first the trained model paraphrases, among these and pieces
# of the FAQ examples (the states that start with a paraphrase say it as
# `Say(example="check_understanding")`).
UNCERTAIN_CANDIDATES = (
    "como consulto el valor del impuesto de mi lote",
    "lo del papel de la casa",
    "una vuelta del lote",
    "necesito lo del predio de mi papá",
    "como averiguo lo de mi terreno",
    "el documento de la vivienda",
    "tramite de la finca",
    "lo de los impuestos de la finca",
    "papeles del lote",
    "pregunta sobre la casa",
)
UNCERTAIN_TEXT = UNCERTAIN_CANDIDATES[0]
STORY = (
    "Buenas tardes, le cuento que hace dos años compré una casa en la vereda Chince con mi "
    "esposo, y desde entonces hemos tenido varios problemas con los papeles porque el "
    "anterior dueño no dejó nada en orden. Mi hija vive en Bogotá y me ayuda con el "
    "computador, pero ella trabaja y casi no tiene tiempo. Ya fuimos una vez a la alcaldía "
    "y nos dijeron que volviéramos otro día. "
)
LONG_TEXT = ((STORY * 20)[:4990] + " predial?")[:5000]
SPECIAL_KINDS = (
    Kind("gibberish", "special", "ñlkj qwpo", unclear=True),
    Kind("gibberish_keyboard", "special", "asdf qwer", unclear=True),
    Kind("gibberish_short", "special", "kdjf", unclear=True),
    Kind("punctuation_only", "special", "???", unclear=True),
    Kind("html_script", "special", "<img src=x onerror=alert(1)>", unclear=True),
    Kind("emoji_only", "special", "👍🙂🙏"),  # a thumbs-up may well mean "sí"
    Kind("empty", "special", "", unclear=True),
    Kind("whitespace", "special", "   \n\t  ", unclear=True),
    Kind("very_long_5000", "special", LONG_TEXT),
    Kind("story_then_question", "special", STORY + "¿Cómo hago para pagar el predial?"),
    Kind("typed_restart", "special", "/restart"),
    Kind("typed_external", "special", "/EXTERNAL_handoff_taken"),
    Kind("typed_greet", "special", "/greet"),
)
# Intents no NLU example stands for: the text that produces them.
SYNTHETIC_EXAMPLES = {"check_understanding": UNCERTAIN_TEXT}
EXTERNAL_PREFIX = "EXTERNAL_"
NO_EXAMPLE = "no_example"


def generate_kinds(domain: dict[str, Any], examples: dict[str, list[str]],
                   per_intent: int = 1) -> list[Kind]:
    """Each intent, each FAQ topic (first `per_intent` examples), then `SPECIAL_KINDS`.

    An intent or topic without an example gives a kind of group `no_example` (a failure).
    """
    kinds = []
    for intent in intent_names(domain):
        if intent == "faq":
            continue  # one kind per topic, below
        if intent.startswith(EXTERNAL_PREFIX):
            kinds.append(Kind(f"api:{intent}", "console event", api_intent=intent,
                              silence_ok=True))
            continue
        texts = examples.get(intent) or ([SYNTHETIC_EXAMPLES[intent]]
                                         if intent in SYNTHETIC_EXAMPLES else [])
        kinds += _example_kinds(intent, "intent", texts, per_intent)
    for topic in faq_topics(domain):
        kinds += _example_kinds(f"faq/{topic}", "faq", examples.get(f"faq/{topic}") or [],
                                per_intent)
    return kinds + list(SPECIAL_KINDS)


def _example_kinds(label: str, group: str, texts: list[str], per_intent: int) -> list[Kind]:
    if not texts:
        return [Kind(label, NO_EXAMPLE)]
    chosen = texts[:per_intent]
    return [Kind(label if len(chosen) == 1 else f"{label}#{n + 1}", group, text)
            for n, text in enumerate(chosen)]


# ---------------------------------------------------------------------------------------
# States: the prefixes that reach them


@dataclass(frozen=True)
class Say:
    """The citizen writes `text` (or the first example of the intent `example`)."""

    text: str | None = None
    example: str | None = None


@dataclass(frozen=True)
class Event:
    """The console triggers `intent` through Rasa's HTTP API."""

    intent: str
    entities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Store:
    """The console (or its sweep) changes the store: one of `STORE_STEPS`."""

    step: str


@dataclass(frozen=True)
class Expect:
    """What a state's prefix must leave: last bot message, slot values, closed chat."""

    response: str | None = None
    slots: tuple[tuple[str, Any], ...] = ()
    paused: bool = False


@dataclass(frozen=True)
class State:
    """A dialogue state, the conversation that reaches it, and how to recognise it."""

    name: str
    description: str
    steps: tuple[Any, ...]
    expect: Expect
    clock: str = STAFFED


HOLA = Say("hola")
NAME = Say("me llamo Ana")
QUESTION = Say("como pago el predial")
UNCERTAIN = Say(example="check_understanding")
YES = Say("sí")
NO = Say("no")
HUMAN = Say("quiero hablar con un funcionario")
INSULT = Say(example="offensive")
GREETED = (HOLA, NAME)
QUEUED = (*GREETED, HUMAN)

STATES: tuple[State, ...] = (
    State("name_pending", "¿Me puede indicar su nombre?", (HOLA,),
          Expect("utter_ask_name")),
    State("name_pending_question", "name asked, a question waiting for it", (QUESTION,),
          Expect("utter_ask_name")),
    State("name_asked_again", "name not understood, asked again", (HOLA, Say("12345")),
          Expect("utter_ask_name", (("next_step", "ask_name"),))),
    State("help_offered", "¿En qué le puedo ayudar?", GREETED,
          Expect("utter_how_can_help", (("next_step", "how_can_help"),))),
    State("paraphrase_pending", "Entiendo que su consulta es sobre … ¿Es correcto?",
          (*GREETED, UNCERTAIN), Expect("utter_confirm_topic")),
    State("paraphrase_after_name", "a question before the name, paraphrased after it",
          (UNCERTAIN, Say("Ana")),
          Expect("utter_confirm_topic", (("next_step", "confirm"),))),
    State("detail_requested", "the paraphrase was wrong: ¿Puede precisarme…?",
          (*GREETED, UNCERTAIN, NO), Expect("utter_ask_detail")),
    State("satisfaction_pending", "an FAQ answered: ¿Es satisfactoria la respuesta?",
          (*GREETED, QUESTION), Expect("utter_ask_satisfaction")),
    State("unsatisfied", "not satisfied: detail asked, PQRD and an agent offered",
          (*GREETED, QUESTION, NO), Expect("utter_offer_agent")),
    State("more_questions_pending", "¿Tiene alguna otra consulta?",
          (*GREETED, QUESTION, YES), Expect("utter_ask_more_questions")),
    State("thanked_more_questions", "gracias: Con gusto. ¿Tiene alguna otra consulta?",
          (*GREETED, Say(example="thank")),
          Expect("utter_ask_more_questions", (("next_step", "ask_more_questions"),))),
    State("goodbye_farewell", "chao without a question: the farewell",
          (*GREETED, Say(example="goodbye")),
          Expect("utter_farewell", (("next_step", "farewell"),))),
    State("after_farewell", "farewell with the survey said (chat reopens if written to)",
          (*GREETED, QUESTION, YES, NO), Expect("utter_farewell")),
    State("follow_up_offered_waiting", "queued for an agent, e-mail offered",
          QUEUED, Expect("utter_offer_follow_up_waiting",
                         (("next_step", "offer_follow_up"), ("handoff", "waiting")))),
    State("consent_pending", "queued, ¿Autoriza el tratamiento de su correo…?",
          (*QUEUED, YES), Expect("utter_ask_consent",
                                 (("next_step", "ask_consent"), ("handoff", "waiting")))),
    State("email_pending", "queued, Por favor escriba su dirección de correo",
          (*QUEUED, YES, YES), Expect("utter_ask_email",
                                      (("next_step", "ask_email"), ("handoff", "waiting")))),
    State("waiting_for_agent", "queued, e-mail declined, waiting",
          (*QUEUED, NO), Expect("utter_keep_waiting",
                                (("next_step", "listen"), ("handoff", "waiting")))),
    State("with_agent", "an agent took the conversation",
          (*QUEUED, NO, Store("take"),
           Event("EXTERNAL_handoff_taken", (("agent_name", AGENT_NAME),))),
          Expect("utter_handoff_taken", (("handoff", "taken"),))),
    State("waiting_updated", "still waiting: the periodic update (R2)",
          (*QUEUED, NO, Event("EXTERNAL_handoff_waiting")),
          Expect("utter_still_waiting", (("next_step", "listen"), ("handoff", "waiting")))),
    State("returned_to_queue", "the agent was deactivated: back in the queue",
          (*QUEUED, NO, Store("take"),
           Event("EXTERNAL_handoff_taken", (("agent_name", AGENT_NAME),)),
           Store("return"), Event("EXTERNAL_handoff_returned")),
          Expect("utter_queue_position", (("handoff", "waiting"),))),
    State("with_agent_prompted", "with an agent, silent: ¿Se encuentra en línea? (P3)",
          (*QUEUED, NO, Store("take"),
           Event("EXTERNAL_handoff_taken", (("agent_name", AGENT_NAME),)),
           Store("silence"), Event("EXTERNAL_inactivity_prompt")),
          Expect("utter_inactivity_prompt", (("handoff", "taken"),))),
    State("closed_inactivity_with_agent", "with an agent, silent: chat closed (paused)",
          (*QUEUED, NO, Store("take"),
           Event("EXTERNAL_handoff_taken", (("agent_name", AGENT_NAME),)),
           Store("silence"), Event("EXTERNAL_inactivity_prompt"),
           Store("silence_close"), Event("EXTERNAL_inactivity_close")),
          Expect("utter_inactivity_closed", paused=True)),
    State("after_agent_closed", "the agent closed: ¿Es satisfactoria la respuesta?",
          (*QUEUED, NO, Store("take"),
           Event("EXTERNAL_handoff_taken", (("agent_name", AGENT_NAME),)),
           Store("close"), Event("EXTERNAL_handoff_closed")),
          Expect("utter_ask_satisfaction", (("handoff", None),))),
    State("handoff_expired", "nobody took it: apology, PQRD, e-mail offered",
          (*QUEUED, NO, Store("expire"), Event("EXTERNAL_handoff_expired")),
          Expect("utter_offer_follow_up_later",
                 (("next_step", "offer_follow_up"), ("handoff", None)))),
    State("agents_offline_offer", "no agent on duty: schedule, PQRD, e-mail offered",
          QUEUED, Expect("utter_offer_follow_up_later",
                         (("next_step", "offer_follow_up"), ("handoff", None))),
          clock=EVENING),
    State("warned_at_name", "insult at the name prompt: warning, name asked again",
          (HOLA, INSULT), Expect("utter_ask_name", (("next_step", "ask_name"),))),
    State("after_warning", "insult: the conduct warning (P9)",
          (*GREETED, INSULT), Expect("utter_conduct_warning", (("next_step", "listen"),))),
    State("inactivity_prompt_pending", "¿Se encuentra en línea? (P3)",
          (*GREETED, Store("silence"), Event("EXTERNAL_inactivity_prompt")),
          Expect("utter_inactivity_prompt")),
    State("closed_conduct", "second insult: chat ended (paused)",
          (*GREETED, INSULT, INSULT), Expect("utter_conversation_ended", paused=True)),
    State("closed_inactivity", "silence: chat closed (paused)",
          (*GREETED, Store("silence"), Event("EXTERNAL_inactivity_prompt"),
           Store("silence_close"), Event("EXTERNAL_inactivity_close")),
          Expect("utter_inactivity_closed", paused=True)),
)


# ---------------------------------------------------------------------------------------
# Naming the bot's messages


class ResponseNamer:
    """The response a bot message came from: Rasa's `utter_action`, or its text matched
    against the domain's responses (FAQ answers block by block)."""

    def __init__(self, domain: dict[str, Any], extra: dict[str, str] | None = None) -> None:
        self._patterns: list[tuple[re.Pattern[str], str]] = []
        for name, variations in (domain.get("responses") or {}).items():
            for variation in variations or []:
                text = variation.get("text")
                if not text:
                    continue
                parts = re.split(r"\n\s*\n", text) if name.startswith(FAQ_RESPONSE_PREFIX) else [
                    text]
                parts = [part.strip() for part in parts if part.strip()]
                # Each block, and the last blocks joined (actions/answers.py `fit`).
                for part in [*parts, *("\n\n".join(parts[i:]) for i in range(len(parts) - 1))]:
                    self._patterns.append((self._pattern(part), name))
        for name, text in (extra or {}).items():
            self._patterns.append((self._pattern(text), name))

    @staticmethod
    def _pattern(template: str) -> re.Pattern[str]:
        pieces = re.split(r"\{\w+\}", template)
        return re.compile(".+?".join(re.escape(p) for p in pieces), re.DOTALL)

    def name(self, text: str | None, utter_action: str | None = None) -> str | None:
        """The response name, or None for a text of no response (an agent's message)."""
        if utter_action:
            return utter_action
        if not text:
            return None
        for pattern, name in self._patterns:
            if pattern.fullmatch(text.strip()):
                return name
        return None


# ---------------------------------------------------------------------------------------
# The harness: the loaded model, the in-process actions, the store


@contextmanager
def matrix_environment(folder: Path, moment: str = STAFFED) -> Iterator[tuple[str, Path]]:
    """A migrated SQLite store and a clock file in `folder`, in this process's environment
    (`DATABASE_URL`, `TENJO_FAKE_NOW=@file`) for the duration; (database URL, clock file).

    An agent is on duty for the whole run (R1): their presence, reported once, counts
    for a day (`AGENT_PRESENCE_SECONDS`), so requests for a person are queued.
    """
    from store.agents import create_agent
    from store.clock import system_clock
    from store.db import engine_for, migrate, session_for
    from store.presence import report_presence

    clock_file = folder / "now.txt"
    clock_file.write_text(moment, encoding="utf-8")
    url = f"sqlite:///{folder}/matrix.db"
    names = ("DATABASE_URL", "TENJO_FAKE_NOW", "RASA_TELEMETRY_ENABLED", "AGENT_PRESENCE_SECONDS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update(DATABASE_URL=url, TENJO_FAKE_NOW=f"@{clock_file}",
                      RASA_TELEMETRY_ENABLED="false", AGENT_PRESENCE_SECONDS="86400")
    try:
        migrate(url)
        with session_for(url) as session:
            on_duty = create_agent(session, "turno", "Agente de turno", "-", system_clock())
            report_presence(session, on_duty.id, system_clock())
        yield url, clock_file
    finally:
        engine_for(url).dispose()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def parse_once(processor: Any) -> dict[tuple[str, bool], dict[str, Any]]:
    """Makes `processor` parse each text once and give a copy of that result afterwards.

    The NLU pipeline reads the message alone, never the conversation (only the policies
    read the tracker), so the same text always gets the same result. The matrix types
    the same prefix and follow-up in every pair: without this, most of a pair's six or
    so parses repeat earlier ones, and parsing took 70% of the matrix's time (a profile
    of one state, 2026-12-08). Messages with metadata are parsed every time. Returns
    the memo.
    """
    parse = processor.parse_message
    memo: dict[tuple[str, bool], dict[str, Any]] = {}

    async def parse_message(message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> dict[str, Any]:
        if message.metadata:
            return await parse(message, tracker, only_output_properties)
        key = (message.text, only_output_properties)
        if key not in memo:
            memo[key] = await parse(message, tracker, only_output_properties)
        return copy.deepcopy(memo[key])

    processor.parse_message = parse_message
    return memo


class Harness:
    """One loaded agent serving any number of conversations, turn by turn."""

    def __init__(self, agent: Any, endpoint: Any, database_url: str, clock_file: Path,
                 domain: dict[str, Any], raw: bool = False) -> None:
        from channels.guard import MessageGuard
        from rasa_runtime.action_failure import TECHNICAL_PROBLEM
        from settings import current

        self.agent = agent
        self.processor = agent.processor
        self.endpoint = endpoint
        self.database_url = database_url
        self.clock_file = clock_file
        self.raw = raw
        self.namer = ResponseNamer(domain, {"technical_problem": TECHNICAL_PROBLEM})
        self.max_predictions = self.processor.max_number_of_predictions
        # The channel's guard with its size limit but no rate limits: a pair's messages
        # come faster than any citizen's.
        self.guard = MessageGuard(max_chars=current().max_message_chars, rate=(10**9, 1.0),
                                  per_address=10**9)
        self._tripped = False
        self.processor.on_circuit_break = self._circuit_break
        self._agent_id: int | None = None
        parse_once(self.processor)

    def _circuit_break(self, *args: Any) -> None:
        self._tripped = True

    def set_clock(self, moment: str) -> None:
        """Moves the actions' clock (read from the file at every call)."""
        self.clock_file.write_text(moment, encoding="utf-8")

    def now(self) -> datetime:
        """The actions' clock."""
        return datetime.fromisoformat(self.clock_file.read_text(encoding="utf-8").strip())

    # -- turns --------------------------------------------------------------------------

    async def say(self, conversation_id: str, text: str) -> Turn:
        """The citizen writes `text`: through the channel's checks unless `raw`."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        from channels.commands import neutralize

        before = await self._before(conversation_id)
        sent, refusal = text, None
        if not self.raw:
            sent = neutralize(text)
            self._touch(conversation_id)
            cleaned, refusal = self.guard.check(conversation_id, sent)
            sent = cleaned if refusal is None else sent
        error = None
        if refusal is None:
            message = UserMessage(sent, CollectingOutputChannel(), conversation_id,
                                  input_channel="rest" if self.raw else "socketio")
            try:
                await self.agent.handle_message(message)
            except Exception as exc:  # noqa: BLE001 - reported as the turn's failure
                error = f"Rasa raised {type(exc).__name__}: {exc}"
        return await self._after(conversation_id, before, sent, refusal, error)

    async def trigger(self, conversation_id: str, intent: str,
                      entities: dict[str, str] | None = None) -> Turn:
        """The console's event, as Rasa's `POST /conversations/<id>/trigger_intent` runs it."""
        from rasa.core.channels.channel import CollectingOutputChannel

        before = await self._before(conversation_id)
        error = None
        try:
            async with self.agent.lock_store.lock(conversation_id):
                tracker = await self.processor.fetch_tracker_and_update_session(
                    conversation_id)
                await self.agent.trigger_intent(intent, entities or {},
                                                CollectingOutputChannel(), tracker)
        except Exception as exc:  # noqa: BLE001 - reported as the turn's failure
            error = f"Rasa raised {type(exc).__name__}: {exc}"
        return await self._after(conversation_id, before, f"API {intent}", None, error)

    async def run_kind(self, conversation_id: str, kind: Kind) -> Turn:
        """Sends one message of `kind`."""
        if kind.api_intent:
            return await self.trigger(conversation_id, kind.api_intent)
        return await self.say(conversation_id, kind.text or "")

    async def run_step(self, conversation_id: str, step: Any,
                       examples: dict[str, list[str]]) -> Turn | None:
        """One step of a state's prefix."""
        if isinstance(step, Say):
            text = step.text if step.text is not None else examples[step.example][0]
            return await self.say(conversation_id, text)
        if isinstance(step, Event):
            return await self.trigger(conversation_id, step.intent, dict(step.entities))
        if isinstance(step, Store):
            STORE_STEPS[step.step](self, conversation_id)
            return None
        raise TypeError(f"unknown step {step!r}")

    async def tracker(self, conversation_id: str) -> Any:
        """The stored tracker (None for a conversation not started)."""
        return await self.agent.tracker_store.retrieve(conversation_id)

    async def _before(self, conversation_id: str) -> tuple[float, int, int]:
        self._tripped = False
        # A turn's events are those stamped from now on: counting events would not do, a
        # restart leaves the stored tracker shorter.
        return (time.time(), len(self.endpoint.errors), self._last_message_id(conversation_id))

    async def _after(self, conversation_id: str, before: tuple[float, int, int], sent: str,
                     refusal: str | None, error: str | None) -> Turn:
        from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

        started, errors, last_message = before
        tracker = await self.tracker(conversation_id)
        events = list(tracker.events) if tracker else []
        new = [event for event in events if (event.timestamp or 0) >= started]
        turn = Turn(sent=sent, refusal=refusal, breaker=self._tripped,
                    max_predictions=self.max_predictions)
        users = [i for i, e in enumerate(new) if isinstance(e, UserUttered)]
        # After the message; all of them when the store kept no message (a restart).
        for event in new[users[-1] + 1:] if users else new:
            if isinstance(event, ActionExecuted):
                turn.actions.append(event.action_name)
        if users:
            parse = new[users[-1]].parse_data or {}
            turn.intent = (parse.get("intent") or {}).get("name")
            turn.confidence = (parse.get("intent") or {}).get("confidence")
        for event in new:
            if isinstance(event, BotUttered):
                turn.messages.append({
                    "text": event.text,
                    "response": self.namer.name(event.text, (event.metadata or {}).get(
                        "utter_action")),
                    "custom": (event.data or {}).get("custom"),
                    "buttons": bool((event.data or {}).get("buttons")),
                })
        if refusal is not None:
            turn.messages.append({"text": refusal, "response": "channel_guard"})
        executed = [e.action_name for e in events if isinstance(e, ActionExecuted)]
        turn.listening = not executed or executed[-1] == LISTEN
        spoken = [name for name in executed if name != LISTEN]
        turn.last_action = spoken[-1] if spoken else None
        turn.paused = bool(tracker and tracker.is_paused())
        turn.slots = dict(tracker.current_slot_values()) if tracker else {}
        # This message, as Rasa got it, stored for the agent (relay or a typed `/EXTERNAL_…`).
        turn.relayed = bool(users) and bool(sent.strip()) and self._last_message_id(
            conversation_id, sent.strip()) > last_message
        turn.errors = [f"{e.action}: {e.error}" for e in self.endpoint.errors[errors:]]
        if error:
            turn.errors.append(error)
        return turn

    # -- the store, as the channel and the console change it ----------------------------

    def _session(self) -> Any:
        from store.db import session_for

        return session_for(self.database_url)

    def _touch(self, conversation_id: str, at: datetime | None = None) -> None:
        """The channel's activity record (real time, as channels/socketio.py)."""
        from store.activity import touch

        with self._session() as session:
            touch(session, conversation_id, at or datetime.now(timezone.utc))

    def _last_message_id(self, conversation_id: str, text: str | None = None) -> int:
        """The id of the conversation's latest hand-off message (by the citizen with `text`,
        if given); 0 when none."""
        from sqlalchemy import func, select

        from store.models import Handoff, HandoffMessage

        query = (select(func.max(HandoffMessage.id))
                 .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
                 .where(Handoff.conversation_id == conversation_id))
        if text is not None:
            query = query.where(HandoffMessage.author == "citizen", HandoffMessage.text == text)
        with self._session() as session:
            return int(session.scalar(query) or 0)

    def agent_id(self) -> int:
        """The console account that takes the hand-offs (created once)."""
        if self._agent_id is None:
            from store.agents import agent_by_username, create_agent

            with self._session() as session:
                agent = agent_by_username(session, "matrix") or create_agent(
                    session, "matrix", AGENT_NAME, "not-a-password-hash", self.now())
                self._agent_id = agent.id
        return self._agent_id

    def finish(self, conversation_id: str) -> None:
        """Ends the conversation's open hand-off, so the next pair is first in line."""
        from store.handoffs import end_open_handoff

        with self._session() as session:
            end_open_handoff(session, conversation_id, "abandoned", self.now())


def _take(harness: Harness, conversation_id: str) -> None:
    from store.handoffs import open_handoff, take_handoff

    agent_id = harness.agent_id()
    with harness._session() as session:
        handoff = open_handoff(session, conversation_id)
        if handoff is None:
            raise LookupError("no hand-off to take")
        take_handoff(session, handoff.id, agent_id, harness.now())


def _close(harness: Harness, conversation_id: str) -> None:
    from store.handoffs import close_handoff, open_handoff

    with harness._session() as session:
        handoff = open_handoff(session, conversation_id)
        if handoff is None:
            raise LookupError("no hand-off to close")
        close_handoff(session, handoff.id, "resolved", harness.now(), agent_id=harness.agent_id())


def _expire(harness: Harness, conversation_id: str) -> None:
    from store.handoffs import expire_overdue

    now = harness.now()
    with harness._session() as session:  # only this pair's hand-off is waiting (`finish`)
        expire_overdue(session, requested_before=now + timedelta(seconds=1), at=now)


def _return(harness: Harness, conversation_id: str) -> None:
    """A supervisor deactivated the agent: the hand-off goes back to the queue."""
    from store.handoffs import return_to_queue

    with harness._session() as session:
        if not return_to_queue(session, harness.agent_id(), harness.now()):
            raise LookupError("no hand-off to return")


def _silence(harness: Harness, conversation_id: str) -> None:
    """The citizen has been silent long enough: the sweep claims the prompt."""
    from settings import current
    from store.activity import claim_due_prompts

    wall = datetime.now(timezone.utc)
    harness._touch(conversation_id, wall - timedelta(hours=1))
    with harness._session() as session:
        claim_due_prompts(session, wall, timedelta(seconds=current().inactivity_prompt_seconds))


def _silence_close(harness: Harness, conversation_id: str) -> None:
    """Still silent after the prompt: the sweep claims the closing."""
    from settings import current
    from store.activity import claim_due_closings

    with harness._session() as session:
        claim_due_closings(session, datetime.now(timezone.utc) + timedelta(seconds=1),
                           timedelta(seconds=current().inactivity_close_seconds))


STORE_STEPS: dict[str, Callable[[Harness, str], None]] = {
    "take": _take, "close": _close, "expire": _expire, "return": _return, "silence": _silence,
    "silence_close": _silence_close,
}


@contextmanager
def open_harness(model: Path = DEFAULT_MODEL, raw: bool = False,
                 folder: Path | None = None) -> Iterator[Harness]:
    """The model loaded once, with the actions in process and a fresh store."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="dialogue-matrix-") as temporary:
        with matrix_environment(Path(folder or temporary)) as (url, clock_file):
            from rasa.core.agent import Agent

            import rasa_runtime
            from tools.in_process_actions import InProcessActionEndpoint, action_executor

            rasa_runtime.install()  # as the channels do when Rasa builds them
            endpoint = InProcessActionEndpoint(action_executor())
            agent = Agent.load(str(model), action_endpoint=endpoint)
            yield Harness(agent, endpoint, url, clock_file, load_domain(), raw=raw)


# ---------------------------------------------------------------------------------------
# Running the matrix


@dataclass
class StateResult:
    """A state's prefix, run once: reached or not, and where it rests."""

    state: State
    problems: list[str]
    signature: dict[str, Any]
    turns: list[Turn]


@dataclass
class PairResult:
    """One state × one kind: the turns and the failed verdicts."""

    state: State
    kind: Kind
    failures: list[Failure]
    turn: Turn | None = None
    follow_up: Turn | None = None

    @property
    def name(self) -> str:
        """`state × kind`."""
        return f"{self.state.name} × {self.kind.name}"


@dataclass
class MatrixResult:
    """Everything `run_matrix` found."""

    states: list[StateResult]
    kinds: list[Kind]
    pairs: list[PairResult]
    general: list[Failure]
    follow_up_text: str
    seconds: float
    raw: bool
    model: str
    coverage: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def failing(self) -> list[PairResult]:
        """The pairs with at least one failed verdict."""
        return [pair for pair in self.pairs if pair.failures]

    def by_verdict(self) -> Counter:
        """Failing pairs per verdict (a pair counts once per verdict)."""
        return Counter(v for pair in self.pairs for v in {f.verdict for f in pair.failures})

    @property
    def ok(self) -> bool:
        """No failure at all."""
        return not self.failing and not self.general


def check_reached(expect: Expect, turns: list[Turn]) -> list[str]:
    """What differs from the expected state after a prefix (empty: reached)."""
    if not turns:
        return ["the prefix sent nothing"]
    last = turns[-1]
    spoken = [turn for turn in turns if turn.visible]
    response = spoken[-1].responses[-1] if spoken else None
    problems = []
    if expect.response and response != expect.response:
        said = spoken[-1].summary()[-1] if spoken else "nothing"
        problems.append(f"last bot message is {said!r}, expected {expect.response}")
    for slot, value in expect.slots:
        if last.slots.get(slot) != value:
            problems.append(f"slot {slot}={last.slots.get(slot)!r}, expected {value!r}")
    if last.paused != expect.paused:
        problems.append("the chat is closed" if last.paused else "the chat is not closed")
    problems += [f"prefix turn {turn.sent!r}: {f.verdict} ({f.detail})"
                 for turn in turns for f in mechanics_failures(turn, silence_ok=True)
                 if f.verdict in (NO_ERROR, UNDER_LIMIT)]
    return problems


def signature(turn: Turn, prompts: set[str]) -> dict[str, Any]:
    """Where a conversation rests after a turn, in the terms the coverage is counted in."""
    return {
        "next_step": turn.slots.get("next_step"),
        "handoff": turn.slots.get("handoff"),
        "prompt": turn.last_action if turn.last_action in prompts else None,
        "closed": turn.paused or None,
    }


def required_coverage(domain: dict[str, Any], rules: list[dict[str, Any]]) -> dict[str, set]:
    """The values each state dimension can take, from the domain, the rules and the store."""
    from store.handoffs import OPEN_STATUSES

    next_steps = set((domain.get("slots", {}).get("next_step") or {}).get("values") or [])
    return {
        "next_step": next_steps,
        "handoff": set(OPEN_STATUSES),
        "prompt": prompt_actions(rules),
        "closed": {True},
    }


def follow_up_candidates(examples: dict[str, list[str]],
                         domain: dict[str, Any]) -> list[tuple[str, str]]:
    """(topic, question) for the FAQ topics, shortest answer first: the examples written as
    a question ("¿…?"), as citizens write them (a bare keyword can pass for a name)."""
    def blocks(topic: str) -> int:
        text = domain["responses"][f"{FAQ_RESPONSE_PREFIX}{topic}"][0].get("text") or ""
        return len([b for b in re.split(r"\n\s*\n", text) if b.strip()])

    return [(topic, text) for topic in sorted(faq_topics(domain), key=blocks)
            for text in examples.get(f"faq/{topic}", []) if text.strip().startswith("¿")]


def uncertain_candidates(examples: dict[str, list[str]]) -> list[str]:
    """`UNCERTAIN_CANDIDATES`, then the last one and two words of the FAQ examples ("…
    del subsidio" gives "subsidio"): short requests a model is often unsure of."""
    pieces: list[str] = list(UNCERTAIN_CANDIDATES)
    for label in sorted(examples):
        if label.startswith("faq/"):
            for text in examples[label][:20]:
                words = re.findall(r"[^\W\d_]+", text.lower())
                pieces += [" ".join(words[-2:]), words[-1]] if len(words) > 2 else []
    return list(dict.fromkeys(pieces))


async def uncertain_text(harness: Harness, candidates: list[str]) -> str:
    """The first candidate the model paraphrases (`check_understanding`); the first
    candidate when none is (the paraphrase states then report it)."""
    for text in candidates:
        parsed = await _parse(harness, text)
        if (parsed.get("intent") or {}).get("name") == "check_understanding":
            return text
    return candidates[0]


def follow_up_text(candidates: list[tuple[str, str]],
                   parse: Callable[[str], dict[str, Any]]) -> str:
    """The first candidate the model answers for sure with its own topic (not
    paraphrased, not a fallback, not another topic)."""
    for topic, text in candidates:
        parsed = parse(text)
        selected = ((parsed.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        if ((parsed.get("intent") or {}).get("name") == "faq"
                and selected.get("intent_response_key") == f"faq/{topic}"):
            return text
    raise RuntimeError("no FAQ question is understood for sure: is the model trained?")


async def _parse(harness: Harness, text: str) -> dict[str, Any]:
    return await harness.agent.parse_message(text)


async def run_state(harness: Harness, state: State, examples: dict[str, list[str]],
                    conversation_id: str) -> tuple[list[Turn], list[str]]:
    """Runs a state's prefix; (its turns, what differs from the expected state)."""
    harness.set_clock(state.clock)
    turns = []
    try:
        for step in state.steps:
            turn = await harness.run_step(conversation_id, step, examples)
            if turn is not None:
                turns.append(turn)
    except Exception as error:  # noqa: BLE001 - a store step that cannot be done
        return turns, [f"{type(error).__name__}: {error}"]
    return turns, check_reached(state.expect, turns)


async def run_pair(harness: Harness, state: State, kind: Kind, examples: dict[str, list[str]],
                   follow_up: str, max_messages: int = MAX_MESSAGES) -> PairResult:
    """The prefix, the message, the follow-up, in a new conversation; the verdicts."""
    conversation_id = f"matrix-{uuid.uuid4().hex[:12]}"
    try:
        turns, problems = await run_state(harness, state, examples, conversation_id)
        if problems:
            return PairResult(state, kind, [Failure(STATE_REACHED, "; ".join(problems))])
        turn = await harness.run_kind(conversation_id, kind)
        failures = mechanics_failures(turn, silence_ok=kind.silence_ok, max_messages=max_messages)
        failures += fit_failures(turn, kind.unclear)
        after = await harness.say(conversation_id, follow_up)
        failures += follow_up_failures(after, closed_before=turn.paused,
                                       max_messages=max_messages)
        return PairResult(state, kind, failures, turn, after)
    finally:
        harness.finish(conversation_id)


def choose(items: list[Any], names: Iterable[str] | None) -> list[Any]:
    """The items named (all when `names` is empty); an unknown name is an error."""
    wanted = list(names or [])
    if not wanted:
        return list(items)
    known = {item.name: item for item in items}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"unknown: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[name] for name in wanted]


def pair_names(states: Iterable[str] | None = None, kinds: Iterable[str] | None = None,
               per_intent: int = 1) -> list[str]:
    """`state × kind` of every pair, without loading the model (for pytest ids)."""
    all_kinds = generate_kinds(load_domain(), load_examples(), per_intent)
    return [f"{s.name} × {k.name}" for s in choose(list(STATES), states)
            for k in choose(all_kinds, kinds)]


async def run_matrix_with(harness: Harness, states: Iterable[str] | None = None,
                          kinds: Iterable[str] | None = None, per_intent: int = 1,
                          max_messages: int = MAX_MESSAGES,
                          progress: Callable[[str], None] | None = None) -> MatrixResult:
    """The matrix with an open harness (see `run_matrix`)."""
    started = time.monotonic()
    domain, rules, examples = load_domain(), load_rules(), load_examples()
    uncertain = await uncertain_text(harness, uncertain_candidates(examples))
    examples = {**examples, "check_understanding": [uncertain]}
    all_kinds = generate_kinds(domain, examples, per_intent)
    chosen_states = choose(list(STATES), states)
    chosen_kinds = choose(all_kinds, kinds)
    general = [Failure(KIND_EXAMPLE, f"{k.name} has no example in data/nlu")
               for k in chosen_kinds if k.group == NO_EXAMPLE]
    chosen_kinds = [k for k in chosen_kinds if k.group != NO_EXAMPLE]
    candidates = follow_up_candidates(examples, domain)
    parsed = {text: await _parse(harness, text) for _, text in candidates[:40]}
    harness.set_clock(STAFFED)
    follow = follow_up_text(candidates[:40], lambda text: parsed[text])
    prompts = prompt_actions(rules)

    state_results = []
    for state in chosen_states:
        conversation_id = f"matrix-state-{uuid.uuid4().hex[:12]}"
        turns, problems = await run_state(harness, state, examples, conversation_id)
        harness.finish(conversation_id)
        rest = signature(turns[-1], prompts) if turns else {}
        state_results.append(StateResult(state, problems, rest, turns))
        if progress:
            progress(f"state {state.name}: " + ("reached" if not problems else
                                                 "NOT reached: " + "; ".join(problems)))

    pairs = []
    for state_result in state_results:
        state = state_result.state
        for kind in chosen_kinds:
            if state_result.problems:
                pairs.append(PairResult(state, kind, [Failure(
                    STATE_REACHED, "; ".join(state_result.problems))]))
                continue
            pairs.append(await run_pair(harness, state, kind, examples, follow, max_messages))
        if progress:
            failing = sum(1 for p in pairs if p.state is state and p.failures)
            progress(f"{state.name}: {len(chosen_kinds)} pairs, {failing} failing "
                     f"({time.monotonic() - started:.0f} s)")

    coverage, uncovered = _coverage(domain, rules, state_results, pairs, prompts)
    if states is None:  # only a full set of states can cover the domain
        general += uncovered
    return MatrixResult(state_results, chosen_kinds, pairs, general, follow,
                        time.monotonic() - started, harness.raw,
                        str(getattr(harness.processor, "model_filename", "")), coverage)


def _coverage(domain: dict[str, Any], rules: list[dict[str, Any]],
              state_results: list[StateResult], pairs: list[PairResult],
              prompts: set[str]) -> tuple[dict[str, dict[str, list[str]]], list[Failure]]:
    """For each dimension value: the states starting there; failures for values some turn
    rests in but no state starts from."""
    required = required_coverage(domain, rules)
    starts: dict[str, dict[Any, list[str]]] = {dim: {} for dim in required}
    for result in state_results:
        if result.problems:
            continue
        for dim, value in result.signature.items():
            if value is not None:
                starts.setdefault(dim, {}).setdefault(value, []).append(result.state.name)
    rested: dict[str, set] = {dim: set() for dim in required}
    for pair in pairs:
        for turn in (pair.turn, pair.follow_up):
            if turn is not None:
                for dim, value in signature(turn, prompts).items():
                    if value is not None:
                        rested.setdefault(dim, set()).add(value)
    coverage: dict[str, dict[str, list[str]]] = {}
    failures = []
    for dim, values in required.items():
        coverage[dim] = {}
        for value in sorted(values | rested.get(dim, set()), key=str):
            names = starts.get(dim, {}).get(value, [])
            if names:
                coverage[dim][str(value)] = names
            elif value in rested.get(dim, set()):
                coverage[dim][str(value)] = ["UNCOVERED"]
                failures.append(Failure(STATE_COVERED, f"{dim}={value} is reached by the matrix "
                                                       "but no state of STATES starts there"))
            else:
                coverage[dim][str(value)] = ["transient (never the state between two messages)"]
    return coverage, failures


def run_matrix(model: Path = DEFAULT_MODEL, states: Iterable[str] | None = None,
               kinds: Iterable[str] | None = None, raw: bool = False, per_intent: int = 1,
               max_messages: int = MAX_MESSAGES,
               progress: Callable[[str], None] | None = None) -> MatrixResult:
    """Loads the model once and runs every state × kind (or those named)."""
    with open_harness(model, raw=raw) as harness:
        return asyncio.run(run_matrix_with(harness, states, kinds, per_intent, max_messages,
                                           progress))


# ---------------------------------------------------------------------------------------
# Report


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: MatrixResult) -> str:
    """The Markdown report: summary, states, the table (kinds × states), the failures."""
    lines = [
        "# Dialogue matrix",
        "",
        f"Generated by `python -m tools.dialogue_matrix{' --raw' if result.raw else ''}` "
        f"(issue 17): model `{result.model}`, messages "
        + ("given to Rasa as typed (`--raw`)" if result.raw else
           "passed as the public channels pass them (neutralised commands, message guard)")
        + f", clock {STAFFED} unless a state sets another.",
        "",
        f"{len(result.pairs)} pairs ({len(result.states)} states × {len(result.kinds)} kinds), "
        f"{len(result.failing)} failing, {result.seconds:.0f} s. Follow-up message: "
        f"`{result.follow_up_text}`.",
        "",
        "## Failures by verdict",
        "",
        "| verdict | meaning | failing pairs |",
        "|---|---|---|",
    ]
    counts = result.by_verdict()
    for verdict, meaning in VERDICTS.items():
        general = sum(1 for f in result.general if f.verdict == verdict)
        count = f"{counts.get(verdict, 0)}" + (f" (+{general} general)" if general else "")
        lines.append(f"| {verdict} | {meaning} | {count} |")
    if result.general:
        lines += ["", "General failures:", ""]
        lines += [f"- {f.verdict}: {f.detail}" for f in result.general]
    lines += ["", "## States", "", "| # | state | prefix | reached | rests at |",
              "|---|---|---|---|---|"]
    for number, state_result in enumerate(result.states, 1):
        state = state_result.state
        prefix = " / ".join(_step_text(step) for step in state.steps)
        reached = "✓" if not state_result.problems else "✗ " + "; ".join(state_result.problems)
        rest = ", ".join(f"{k}={v}" for k, v in state_result.signature.items() if v is not None)
        lines.append(f"| S{number} | {state.name}: {_cell(state.description)} | {_cell(prefix)} "
                     f"| {_cell(reached)} | {_cell(rest)} |")
    lines += ["", "Coverage of the states the domain, the rules and the store define:", ""]
    for dim, values in result.coverage.items():
        for value, names in values.items():
            lines.append(f"- {dim}={value}: {', '.join(names)}")
    header = "| kind | message | " + " | ".join(f"S{n}" for n in range(1, len(result.states) + 1))
    lines += ["", "## Matrix", "", "✓ all verdicts pass, ✗ see below, · state not reached.", "",
              header + " |", "|---|---|" + "---|" * len(result.states)]
    by_pair = {(p.state.name, p.kind.name): p for p in result.pairs}
    for kind in result.kinds:
        cells = []
        for state_result in result.states:
            pair = by_pair.get((state_result.state.name, kind.name))
            if pair is None or state_result.problems:
                cells.append("·")
            else:
                cells.append("✓" if not pair.failures else "✗")
        lines.append(f"| {kind.name} | {_cell(kind.shown)} | " + " | ".join(cells) + " |")
    lines += ["", "## Failing pairs", "",
              "Pairs of one kind that failed alike (same verdicts, same replies) are shown "
              "once, with the states they failed in.", ""]
    for pairs in group_failures(result):
        pair = pairs[0]
        states = ", ".join(p.state.name for p in pairs)
        lines.append(f"### {pair.kind.name} in {len(pairs)} state"
                     f"{'s' if len(pairs) > 1 else ''}: {states}")
        lines.append("")
        for failure in pair.failures:
            lines.append(f"- **{failure.verdict}**: {_cell(failure.detail)}")
        lines.append(f"- message {pair.kind.shown} → {_describe(pair.turn)}")
        lines += [f"  - {_cell(line)}" for line in pair.turn.summary()]
        if pair.follow_up is not None:
            lines.append(f"- follow-up → {_describe(pair.follow_up)}")
            lines += [f"  - {_cell(line)}" for line in pair.follow_up.summary()]
        lines.append("")
    return "\n".join(lines) + "\n"


def group_failures(result: MatrixResult) -> list[list[PairResult]]:
    """The failing pairs that ran, grouped by kind, verdicts and replies (first seen first)."""
    groups: dict[tuple, list[PairResult]] = {}
    for pair in result.failing:
        if pair.turn is None:
            continue
        key = (pair.kind.name, tuple(sorted({f.verdict for f in pair.failures})),
               tuple(pair.turn.responses),
               tuple(pair.follow_up.responses) if pair.follow_up else ())
        groups.setdefault(key, []).append(pair)
    return list(groups.values())


def _describe(turn: Turn) -> str:
    parts = []
    if turn.refusal:
        parts.append("refused by the channel guard")
    if turn.intent:
        confidence = f" {turn.confidence:.2f}" if turn.confidence is not None else ""
        parts.append(f"intent {turn.intent}{confidence}")
    actions = _compress([a for a in turn.actions if a != LISTEN])
    parts.append("actions " + (", ".join(actions) if actions else "none"))
    parts.append(f"{len(turn.visible)} messages")
    if turn.relayed:
        parts.append("relayed to the agent")
    if turn.paused:
        parts.append("chat closed")
    if not turn.listening and not turn.paused:
        parts.append("NOT listening")
    return "; ".join(parts)


def _compress(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if out and out[-1].split(" ×")[0] == name:
            count = int(out[-1].split(" ×")[1]) + 1 if " ×" in out[-1] else 2
            out[-1] = f"{name} ×{count}"
        else:
            out.append(name)
    return out


def _step_text(step: Any) -> str:
    if isinstance(step, Say):
        return step.text if step.text is not None else f"<{step.example} example>"
    if isinstance(step, Event):
        return f"[console: {step.intent}]"
    if isinstance(step, Store):
        return f"[store: {step.step}]"
    return str(step)


def summary(result: MatrixResult) -> str:
    """The lines printed at the end of a run."""
    lines = [f"{len(result.pairs)} pairs ({len(result.states)} states × {len(result.kinds)} "
             f"kinds), {len(result.failing)} failing, {result.seconds:.1f} s"]
    for verdict, count in result.by_verdict().most_common():
        lines.append(f"  {verdict}: {count} pairs")
    for failure in result.general:
        lines.append(f"  {failure.verdict}: {failure.detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs the matrix, prints the summary, writes the report; 1 when anything fails."""
    parser = argparse.ArgumentParser(prog="python -m tools.dialogue_matrix",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--raw", action="store_true",
                        help="give messages to Rasa as typed, without the channel's checks")
    parser.add_argument("--state", action="append", help="only this state (repeatable)")
    parser.add_argument("--kind", action="append", help="only this kind (repeatable)")
    parser.add_argument("--examples", type=int, default=1, help="examples per intent or topic")
    parser.add_argument("--max-messages", type=int, default=MAX_MESSAGES)
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"No trained model at {args.model}: run `make train`.", file=sys.stderr)
        return 2
    _quiet_logs()

    def progress(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    result = run_matrix(args.model, args.state, args.kind, raw=args.raw,
                        per_intent=args.examples, max_messages=args.max_messages,
                        progress=progress)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(result), encoding="utf-8")
    print(summary(result))
    print(f"Report: {args.out}")
    return 0 if result.ok else 1


def _quiet_logs() -> None:
    """Rasa's warnings (the circuit breaker) and the failure wrapper's errors are verdicts
    here; keep the terminal for the summary."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.ERROR)  # Rasa's structlog debug lines cost a third of a turn
    for name in ("rasa", "rasa_sdk", "rasa_runtime", "actions", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


if __name__ == "__main__":
    sys.exit(main())
