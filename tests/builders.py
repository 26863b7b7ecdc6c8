"""Tracker builders and a runner: (dispatcher, tracker, domain) → events."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import Settings
from store.clock import clock_from_setting

ROOT = Path(__file__).resolve().parent.parent


def load_domain() -> dict[str, Any]:
    """domain.yml as the action server receives it (a dict)."""
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def user(text: str, intent: str, confidence: float = 1.0, **extra: Any) -> dict[str, Any]:
    """A citizen's message event; `extra` goes into parse_data (entities, response_selector...)."""
    parse_data = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": extra.pop("entities", []),
        **extra,
    }
    return {"event": "user", "text": text, "parse_data": parse_data}


def faq(text: str, topic: str, confidence: float = 0.95) -> dict[str, Any]:
    """A message the response selector gave to `faq/<topic>`."""
    key = f"faq/{topic}"
    selector = {"faq": {"response": {"intent_response_key": key, "confidence": confidence}}}
    return user(text, "faq", confidence, response_selector=selector)


def uncertain(text: str, label: str, confidence: float = 0.6) -> dict[str, Any]:
    """A request the understanding check flagged as uncertain."""
    return user(
        text, "check_understanding", confidence,
        understanding={"label": label, "confidence": confidence},
    )


def action(name: str) -> dict[str, Any]:
    """An action event."""
    return {"event": "action", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    """A slot event."""
    return {"event": "slot", "name": name, "value": value}


def start() -> list[dict[str, Any]]:
    """The events of a new session."""
    return [action("action_session_start"), {"event": "session_started"}, action("action_listen")]


def tracker(events: list[dict[str, Any]], slots: dict[str, Any] | None = None) -> Tracker:
    """A tracker whose latest message is the last user event."""
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    all_slots = {"nombre": None, "pending_label": None, "next_step": None,
                 "pqrd_url": "https://pqrd.example/", "survey_url": "https://encuesta.example/"}
    for event in events:
        if event["event"] == "slot":
            all_slots[event["name"]] = event["value"]
    all_slots.update(slots or {})
    return Tracker("citizen-1", all_slots, latest, events, False, None, {}, "action_listen")


def settings_at(moment: str, database_url: str = "sqlite://",
                needs_agent_online: bool = False) -> Settings:
    """Default settings with a fixed clock (ISO time with offset).

    The schedule alone decides whether a person is offered, unless `needs_agent_online`
    (then the store at `database_url` must say an agent is available: tests/actions/
    test_presence.py).
    """
    return Settings(database_url=database_url, clock=clock_from_setting(moment),
                    handoff_needs_agent_online=needs_agent_online)


def run(act: Action, events: list[dict[str, Any]], slots: dict[str, Any] | None = None,
        domain: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Runs an action: (events it returns, messages it sent)."""
    dispatcher = CollectingDispatcher()
    result = asyncio.run(act.run(dispatcher, tracker(events, slots), domain or load_domain()))
    return result, dispatcher.messages


def responses(messages: list[dict[str, Any]]) -> list[str]:
    """What each message was: the response name, or its text."""
    return [m.get("response") or m.get("text") or str(m.get("custom")) for m in messages]


def bogota(iso: str) -> datetime:
    """A Bogotá time from 'YYYY-MM-DDTHH:MM'."""
    return datetime.fromisoformat(iso + "-05:00")


def fact(value: str, status: str = "confirmed", description: str = "Hecho de prueba") -> dict:
    """One entry of a fact sheet; a confirmed one with its provenance."""
    entry = {"value": value, "status": status, "scope": "tenjo", "description": description}
    if status == "confirmed":
        entry.update(source="acta", source_kind="official", confirmed_by="Ana",
                     confirmed_on="2026-12-06")
    return entry


def fact_sheet(**facts: dict) -> str:
    """The text of a fact sheet (data/facts.yml) with these facts, by key."""
    return yaml.safe_dump({"facts": facts}, allow_unicode=True, sort_keys=False)
