"""A2: the live queue of waiting citizens and the agent's own conversations."""

from __future__ import annotations

from console_support import PAYLOAD, seed_handoff


def test_queue_json_lists_waiting_citizens_first_come_first(console, database_url, clock):
    first = seed_handoff(database_url, "conv-1", "Ana María", "faq/impuesto_predial",
                         [("citizen", "¿Cómo pago el predial?"), ("bot", "Le explico.")],
                         at=clock.now)
    clock.advance(30)
    second = seed_handoff(database_url, "conv-2", None, None, at=clock.now)
    clock.advance(95)
    body = console.client.get("/console/api/queue").get_json()
    waiting = body["waiting"]
    assert [item["id"] for item in waiting] == [first, second]
    assert waiting[0]["citizen_name"] == "Ana María"
    assert waiting[0]["topic_words"] == "El pago o la consulta del impuesto predial"
    assert waiting[0]["waiting_seconds"] == 125
    assert [(m["author"], m["text"]) for m in waiting[0]["messages"]] == [
        ("citizen", "¿Cómo pago el predial?"), ("bot", "Le explico."),
    ]
    assert waiting[0]["messages"][0]["author_label"] == "Ana María"
    assert waiting[0]["messages"][1]["author_label"] == "Asistente virtual"
    assert waiting[0]["messages"][0]["created_at"] == "2026-12-01T09:00:00-05:00"
    assert waiting[1]["citizen_name"] == "Ciudadano sin nombre"
    assert waiting[1]["topic_words"] == "Sin tema identificado"
    assert waiting[1]["waiting_seconds"] == 95
    assert body["mine"] == []


def test_queue_page_shows_the_waiting_citizen(console, database_url, clock):
    seed_handoff(database_url, "conv-1", "Pedro Páez", "faq/sisben", at=clock.now)
    clock.advance(185)
    page = console.client.get("/console/").get_data(as_text=True)
    assert "Pedro Páez" in page
    assert "SISBÉN" in page
    assert "3 min 05 s" in page
    assert "Atender" in page
    assert "Hay 1 ciudadano en espera." in page


def test_taken_conversations_move_to_the_agents_own_list(console, other_console, database_url):
    mine = seed_handoff(database_url, "conv-1", "Ana María")
    theirs = seed_handoff(database_url, "conv-2", "Jorge")
    assert console.take(mine).status_code == 200
    assert other_console.take(theirs).status_code == 200
    body = console.client.get("/console/api/queue").get_json()
    assert body["waiting"] == []
    assert [item["id"] for item in body["mine"]] == [mine]
    assert body["mine"][0]["url"] == f"/console/handoffs/{mine}"


def test_queue_escapes_what_the_citizen_wrote(console, database_url):
    seed_handoff(database_url, "conv-x", PAYLOAD, None, [("citizen", PAYLOAD)])
    page = console.client.get("/console/").get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    body = console.client.get("/console/api/queue").get_json()
    assert body["waiting"][0]["messages"][0]["text"] == PAYLOAD
    assert body["waiting"][0]["citizen_name"] == PAYLOAD
