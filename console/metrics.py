"""`GET /metrics`: the assistant's figures for Prometheus (prometheus-client's text format).

Who may read it: a request from this machine's loopback address that no proxy
forwarded (the socket's own peer: X-Forwarded-For is never believed here, and a
request carrying a forwarding header is not local), or any request with
`Authorization: Bearer <METRICS_TOKEN>` when that setting is set. Anyone else gets
the ordinary 404 page. nginx (deploy/nginx.conf.template) answers 404 to /metrics
itself, so the public front never reaches it.

The figures are counted in the shared database at scrape time (store/monitoring.py),
so they are the whole deployment's, however many Rasa replicas run. The collector is
registered on a registry of this app (never prometheus-client's global one) and
touches the database only when scraped.

Counters read from table counts never go down here: a conversation forgotten on
request deletes rows, which Prometheus would take for a restart of the counter and
count all over again; a count that went down is shown unchanged until it grows again.
The turn counter and the latency histogram are fed by the rows added since the
previous scrape; like every counter of a process, they start again when the web app
restarts (Prometheus's `rate` and `increase` allow for that).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import threading
from collections.abc import Iterable

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from console.security import MESSAGES
from console.settings import ConsoleSettings
from console.web import problem, services
from store.db import session_for
from store.monitoring import ENDED_REASONS, StoreFigures, TurnScanner, store_figures

blueprint = Blueprint("metrics", __name__)
log = logging.getLogger(__name__)

EXTENSION = "tenjo_metrics"
# Seconds from a citizen's message to the end of the bot's reply: a chatbot answers in
# well under a second, an action may take up to ACTIONS_TIMEOUT_SECONDS (15 s).
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
FORWARDING_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")

# name (without _total), help, the StoreFigures field
COUNTERS = (
    ("tenjo_conversations_started", "Conversations started (a new session of a citizen).",
     "conversations_started"),
    ("tenjo_fallbacks", "Citizen messages the bot did not understand.", "fallbacks"),
    ("tenjo_action_failures",
     "Turns in which the action server failed and the citizen was told of a technical "
     "problem.", "action_failures"),
    ("tenjo_handoffs_requested", "Hand-offs to an agent requested.", "handoffs_requested"),
    ("tenjo_handoffs_served", "Hand-offs taken by an agent.", "handoffs_served"),
    ("tenjo_handoffs_expired",
     "Hand-offs nobody took within HANDOFF_TIMEOUT_SECONDS (the citizen was offered e-mail).",
     "handoffs_expired"),
    ("tenjo_handoffs_abandoned", "Hand-offs whose citizen left before an agent took them.",
     "handoffs_abandoned"),
)
GAUGES = (
    ("tenjo_handoffs_waiting", "Hand-offs waiting for an agent now.", "handoffs_waiting"),
    ("tenjo_handoffs_in_service", "Hand-offs being served by an agent now.",
     "handoffs_in_service"),
)
ENDED = ("tenjo_conversations_ended",
         "Conversations ended for good by the assistant, by reason: inactivity (P3, the "
         "citizen stopped answering) or conduct (P9, P10).")
TURNS = ("tenjo_turns", "Messages written by citizens (turns), from Rasa's tracker store.")
LATENCY = ("tenjo_turn_latency_seconds",
           "Seconds from a citizen's message to the end of the bot's reply (the next "
           "action_listen), of the turns finished since the web app started.")


class NeverDown:
    """Counters computed from table counts, kept from ever going down (see the module)."""

    def __init__(self) -> None:
        self._counted: dict[str, int] = {}
        self._shown: dict[str, int] = {}

    def __call__(self, key: str, counted: int) -> int:
        before = self._counted.get(key)
        shown = counted if before is None else self._shown[key] + max(0, counted - before)
        self._counted[key], self._shown[key] = counted, shown
        return shown


class StoreCollector(Collector):
    """The figures of the shared database, computed when Prometheus scrapes."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._lock = threading.Lock()
        self._never_down = NeverDown()
        self._scanner = TurnScanner()
        self._turns = 0
        # Not registered anywhere: observed here, shown through this collector.
        self._latency = Histogram(*LATENCY, buckets=LATENCY_BUCKETS, registry=None)

    def describe(self) -> Iterable[Metric]:
        """Nothing at registration (the registry would otherwise call `collect`)."""
        return []

    def collect(self) -> list[Metric]:
        """One session: the store's counts, then the tracker rows added since last time."""
        with self._lock, session_for(self.database_url) as session:
            figures = store_figures(session)
            scan = self._scanner.scan(session)
            self._turns += scan.turns
            for seconds in scan.latencies:
                self._latency.observe(seconds)
            return [*self._families(figures), *self._latency.collect()]

    def _families(self, figures: StoreFigures) -> Iterable[Metric]:
        for name, documentation, attribute in COUNTERS:
            value = self._never_down(name, getattr(figures, attribute))
            yield CounterMetricFamily(name, documentation, value=value)
        ended = CounterMetricFamily(*ENDED, labels=["reason"])
        for reason in ENDED_REASONS:
            ended.add_metric([reason], self._never_down(f"ended:{reason}", figures.ended[reason]))
        yield ended
        yield CounterMetricFamily(*TURNS, value=self._turns)
        for name, documentation, attribute in GAUGES:
            yield GaugeMetricFamily(name, documentation, value=getattr(figures, attribute))


def _from_this_machine() -> bool:
    """The socket's peer is a loopback address and no proxy forwarded the request."""
    if any(header in request.headers for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _has_the_token(token: str) -> bool:
    """`Authorization: Bearer <token>`, compared in constant time."""
    if not token:
        return False
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@blueprint.get("/metrics")
def metrics():
    """The figures in Prometheus's text format (OpenMetrics when asked for)."""
    if not (_from_this_machine() or _has_the_token(services().settings.metrics_token)):
        return problem(404, MESSAGES[404])
    encoder, content_type = choose_encoder(request.headers.get("Accept"))
    try:
        body = encoder(current_app.extensions[EXTENSION])
    except Exception as error:  # the database is down: the scrape fails, without details
        log.warning("metrics not available: %s", type(error).__name__)
        return Response("unavailable\n", status=503, mimetype="text/plain")
    return Response(body, headers={"Content-Type": content_type, "Cache-Control": "no-store"})


def install(app: Flask, settings: ConsoleSettings) -> None:
    """A registry of this app with the store's collector, and the `/metrics` route."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(settings.database_url))
    app.extensions[EXTENSION] = registry
    app.register_blueprint(blueprint)
