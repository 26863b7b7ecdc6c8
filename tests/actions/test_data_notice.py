"""The personal-data notice (Ley 1581 de 2012) goes with the first name prompt only."""

import dataclasses

import pytest

from actions.base import notice_was_read
from actions.name import ActionCaptureName
from actions.session import ActionSessionStart, data_policy_link
from content.facts import Fact
from tests.builders import action, load_domain, run, settings_at, slot, start, tracker, user

MORNING = "2026-12-01T09:00:00-05:00"
WEBSITE = Fact(key="tenjo_website", value="www.tenjo.example", status="confirmed",
               scope="tenjo", description="Sitio")


def test_session_start_opens_the_notice_with_the_policy_link():
    settings = dataclasses.replace(settings_at(MORNING), data_policy_url="https://a.gov/datos")
    events, _ = run(ActionSessionStart(settings), [])
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    assert slots["data_notice_pending"] is True
    assert slots["data_policy_link"] == "https://a.gov/datos"


@pytest.mark.parametrize(
    ("url", "facts", "expected"),
    [("https://a.gov/datos", {}, "https://a.gov/datos"),
     ("", {"tenjo_website": WEBSITE}, "el sitio web www.tenjo.example"),
     ("", {"tenjo_website": dataclasses.replace(WEBSITE, status="pending")},
      "el sitio web de la Alcaldía"),
     ("", {}, "el sitio web de la Alcaldía")],
)
def test_without_a_policy_url_the_notice_points_to_the_website(url, facts, expected):
    assert data_policy_link(url, facts) == expected


def test_the_first_name_prompt_carries_the_notice_and_later_ones_do_not():
    (notice, plain) = load_domain()["responses"]["utter_ask_name"]
    assert notice["condition"] == [{"type": "slot", "name": "data_notice_pending",
                                    "value": True}]
    assert "Ley 1581 de 2012" in notice["text"] and "{data_policy_link}" in notice["text"]
    assert notice["text"].endswith(plain["text"])
    assert "condition" not in plain


ASKED = [*start(), slot("data_notice_pending", True), action("utter_greet"),
         action("utter_ask_name"), action("action_listen")]


@pytest.mark.parametrize(
    ("events", "closes"),
    [
        (ASKED, True),
        # not asked yet (the name came in the first message): still pending
        ([*start(), slot("data_notice_pending", True), action("utter_greet")], False),
        # asked in an earlier session only
        ([*ASKED, {"event": "session_started"}, slot("data_notice_pending", True)], False),
        ([*ASKED[:-2], slot("data_notice_pending", False), action("utter_ask_name")], False),
    ],
)
def test_notice_was_read_closes_the_slot_once_the_prompt_went_out(events, closes):
    closed = notice_was_read(tracker(events), [])
    assert closed == ([{"event": "slot", "timestamp": None, "name": "data_notice_pending",
                        "value": False}] if closes else [])


def test_an_action_after_the_prompt_closes_the_notice():
    events, _ = run(ActionCaptureName(settings_at(MORNING)),
                    [*ASKED, user("me llamo Ana", "inform_name", entities=[
                        {"entity": "nombre", "value": "Ana"}])])
    assert events[-1] == {"event": "slot", "timestamp": None, "name": "data_notice_pending",
                          "value": False}


def test_the_session_start_keeps_its_own_setting():
    events, _ = run(ActionSessionStart(settings_at(MORNING)), ASKED)
    notice = [e["value"] for e in events if e.get("name") == "data_notice_pending"]
    assert notice == [True]
