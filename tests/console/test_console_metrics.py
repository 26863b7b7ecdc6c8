"""GET /metrics: the store's figures in Prometheus's format, for loopback or the token only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from console_support import NOW
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from console import create_app
from console.metrics import LATENCY_BUCKETS
from console.settings import ConsoleSettings
from store.activity import close_conversation
from store.db import session_for
from store.handoffs import (
    close_handoff,
    end_open_handoff,
    expire_overdue,
    request_handoff,
    take_handoff,
)
from store.metrics import ACTION_FAILURE, CONVERSATION_STARTED, FALLBACK, record_event
from store.privacy import forget_conversation
from tests.tracker_events import START, TrackerEvents, external_turn, turn

TOKEN = "prometheus-token-0123456789"
ELSEWHERE = {"REMOTE_ADDR": "203.0.113.7"}
COUNTERS = ("tenjo_conversations_started_total", "tenjo_fallbacks_total",
            "tenjo_action_failures_total", "tenjo_handoffs_requested_total",
            "tenjo_handoffs_served_total", "tenjo_handoffs_expired_total",
            "tenjo_handoffs_abandoned_total", "tenjo_turns_total")


def scrape(app, **request) -> dict[str, float]:
    """The samples of one scrape by name (labels in braces), checked to be well formed."""
    response = app.test_client().get("/metrics", **request)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        assert family.name.startswith("tenjo_") and family.documentation, family.name
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def types(app) -> dict[str, str]:
    body = app.test_client().get("/metrics").get_data(as_text=True)
    return {family.name: family.type for family in text_string_to_metric_families(body)}


def latency(samples: dict[str, float]) -> dict[str, float]:
    """The histogram's cumulative buckets by upper bound, with its count and sum."""
    buckets = {bound: samples[f'tenjo_turn_latency_seconds_bucket{{le="{bound}"}}']
               for bound in [*(str(b) for b in LATENCY_BUCKETS), "+Inf"]}
    return {**buckets, "count": samples["tenjo_turn_latency_seconds_count"],
            "sum": samples["tenjo_turn_latency_seconds_sum"]}


@pytest.fixture
def tracker_events(database_url):
    """Rasa's tracker store on the web app's database (it creates the `events` table)."""
    events = TrackerEvents(database_url)
    yield events
    events.close()


def seed(database_url: str, agent_id: int) -> None:
    """3 conversations, 2 fallbacks, 1 action failure; 5 hand-offs: 1 waiting, 1 in
    service, 1 served and closed, 1 expired, 1 abandoned; 2 chats closed for
    inactivity, 1 for conduct, 1 with the farewell."""
    with session_for(database_url) as session:
        for conversation in ("c1", "c2", "c3"):
            record_event(session, conversation, CONVERSATION_STARTED, NOW)
        record_event(session, "c1", FALLBACK, NOW, text="¿venden boletas?")
        record_event(session, "c2", FALLBACK, NOW, text="asdf")
        record_event(session, "c3", ACTION_FAILURE, NOW, value="action_answer_faq")
        ids = [request_handoff(session, f"h{n}", "Ana", None, [], NOW.replace(minute=n)).id
               for n in range(5)]
        expire_overdue(session, NOW.replace(minute=0, second=30), NOW.replace(minute=20))
        take_handoff(session, ids[1], agent_id, NOW.replace(minute=21))
        take_handoff(session, ids[2], agent_id, NOW.replace(minute=22))
        close_handoff(session, ids[2], "resolved", NOW.replace(minute=23), agent_id=agent_id)
        end_open_handoff(session, "h3", "abandoned", NOW.replace(minute=24))
        for conversation, reason in (("c1", "inactivity"), ("c2", "inactivity"),
                                     ("c3", "conduct"), ("c4", "farewell")):
            close_conversation(session, conversation, reason, NOW.replace(minute=30))


def test_every_figure_from_the_store(app, database_url, agents, tracker_events):
    seed(database_url, agents["ana"])
    tracker_events.add("c1", *turn(START, 0.3), *turn(START + 30, 1.2))
    tracker_events.add("c2", *turn(START + 5, 0.2), *external_turn(START + 200))
    samples = scrape(app)
    assert {name: samples[name] for name in COUNTERS} == {
        "tenjo_conversations_started_total": 3, "tenjo_fallbacks_total": 2,
        "tenjo_action_failures_total": 1, "tenjo_handoffs_requested_total": 5,
        "tenjo_handoffs_served_total": 2, "tenjo_handoffs_expired_total": 1,
        "tenjo_handoffs_abandoned_total": 1, "tenjo_turns_total": 3,
    }
    assert samples['tenjo_conversations_ended_total{reason="inactivity"}'] == 2
    assert samples['tenjo_conversations_ended_total{reason="conduct"}'] == 1
    assert samples["tenjo_handoffs_waiting"] == 1
    assert samples["tenjo_handoffs_in_service"] == 1
    # Turns before the first scrape are counted, not measured.
    assert latency(samples)["count"] == 0


def test_counters_are_counters_and_states_gauges(app):
    assert types(app) == {
        **{name.removesuffix("_total"): "counter" for name in COUNTERS},
        "tenjo_conversations_ended": "counter",
        "tenjo_handoffs_waiting": "gauge", "tenjo_handoffs_in_service": "gauge",
        "tenjo_turn_latency_seconds": "histogram",
        "tenjo_turn_latency_seconds_created": "gauge",
    }


def test_turn_latencies_are_counted_once_across_scrapes(app, database_url):
    assert scrape(app)["tenjo_turns_total"] == 0  # Rasa has not created its table yet
    events = TrackerEvents(database_url)
    try:
        events.add("a", *turn(START, 0.3), *turn(START + 60, 2.5))
        events.add("b", *turn(START + 1, 0.05))
        first = scrape(app)
        assert first["tenjo_turns_total"] == 3
        assert latency(first) == pytest.approx({
            "0.1": 1, "0.25": 1, "0.5": 2, "1.0": 2, "2.0": 2, "4.0": 3, "8.0": 3, "15.0": 3,
            "30.0": 3, "+Inf": 3, "count": 3, "sum": 2.85}, abs=1e-5)
        assert latency(scrape(app)) == latency(first), "nothing new: nothing counted again"

        events.add("b", *turn(START + 100, 12.0), *external_turn(START + 300))
        second = scrape(app)
    finally:
        events.close()
    assert second["tenjo_turns_total"] == 4
    assert latency(second) == pytest.approx({
        "0.1": 1, "0.25": 1, "0.5": 2, "1.0": 2, "2.0": 2, "4.0": 3, "8.0": 3, "15.0": 4,
        "30.0": 4, "+Inf": 4, "count": 4, "sum": 14.85}, abs=1e-5)


def test_a_forgotten_conversation_does_not_take_the_counters_back(app, database_url):
    with session_for(database_url) as session:
        for conversation in ("c1", "c2"):
            record_event(session, conversation, CONVERSATION_STARTED, NOW)
        assert scrape(app)["tenjo_conversations_started_total"] == 2
        forget_conversation(session, "c1")  # a citizen's request (Ley 1581)
        assert scrape(app)["tenjo_conversations_started_total"] == 2
        record_event(session, "c3", CONVERSATION_STARTED, NOW)
        assert scrape(app)["tenjo_conversations_started_total"] == 3


def test_gauges_follow_the_queue_down(app, database_url, agents):
    with session_for(database_url) as session:
        handoff = request_handoff(session, "h1", "Ana", None, [], NOW)
        assert scrape(app)["tenjo_handoffs_waiting"] == 1
        take_handoff(session, handoff.id, agents["ana"], NOW)
        samples = scrape(app)
        assert (samples["tenjo_handoffs_waiting"], samples["tenjo_handoffs_in_service"]) == (0, 1)
        close_handoff(session, handoff.id, "resolved", NOW)
        samples = scrape(app)
        assert (samples["tenjo_handoffs_waiting"], samples["tenjo_handoffs_in_service"]) == (0, 0)
        assert samples["tenjo_handoffs_served_total"] == 1


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_this_machine_reads_it_without_a_token(app, address):
    assert "tenjo_turns_total" in scrape(app, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {TOKEN}"},
], ids=["no-token", "empty", "token-not-configured"])
def test_without_a_configured_token_only_this_machine_reads_it(app, headers):
    response = app.test_client().get("/metrics", headers=headers, environ_base=ELSEWHERE)
    assert response.status_code == 404
    assert "tenjo_" not in response.get_data(as_text=True)


@pytest.fixture
def app_with_token(settings, relay):
    return create_app(replace(settings, metrics_token=TOKEN), relay=relay)


def test_the_token_comes_from_the_environment_and_is_never_shown():
    settings = ConsoleSettings.from_env({"METRICS_TOKEN": f" {TOKEN} "})
    assert settings.metrics_token == TOKEN and TOKEN not in repr(settings)
    assert ConsoleSettings.from_env({}).metrics_token == ""


def test_another_machine_reads_it_with_the_token(app_with_token):
    samples = scrape(app_with_token, headers={"Authorization": f"Bearer {TOKEN}"},
                     environ_base=ELSEWHERE)
    assert samples["tenjo_turns_total"] == 0


@pytest.mark.parametrize("authorization", [
    None, f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer",
], ids=["none", "longer", "shorter", "basic", "no-scheme", "scheme-only"])
def test_another_machine_without_the_right_token_is_refused(app_with_token, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = app_with_token.test_client().get("/metrics", headers=headers,
                                                environ_base=ELSEWHERE)
    assert response.status_code == 404
    assert "tenjo_" not in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Real-IP", "Forwarded"])
def test_a_request_a_proxy_forwarded_is_not_from_this_machine(app, app_with_token, header):
    """nginx runs on this machine: what it forwards comes from loopback, and is public."""
    headers = {header: "203.0.113.7"}
    assert app.test_client().get("/metrics", headers=headers).status_code == 404
    allowed = app_with_token.test_client().get(
        "/metrics", headers={**headers, "Authorization": f"Bearer {TOKEN}"})
    assert allowed.status_code == 200


def test_the_database_down_fails_the_scrape_without_details(settings, relay, tmp_path):
    folder = tmp_path / "not-a-database"
    folder.mkdir()  # SQLite cannot open a directory
    app = create_app(replace(settings, database_url=f"sqlite:///{folder}"), relay=relay)
    response = app.test_client().get("/metrics")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "unavailable\n"


def test_each_app_has_its_own_registry(app, settings, relay):
    """prometheus-client's global registry holds none of the app's figures."""
    scrape(app)
    assert not [family.name for family in REGISTRY.collect()
                if family.name.startswith("tenjo_")]
    other = create_app(settings, relay=relay)
    assert scrape(other)["tenjo_turns_total"] == 0
