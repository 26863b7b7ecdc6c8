"""Signed chat-session tokens (channels/session_tokens.py)."""

from __future__ import annotations

import pytest

from channels.session_tokens import DEFAULT_SECRET, issue, new_session, secret_from_env, session_of

SECRET = "a-long-test-secret-for-tokens"


def test_a_token_proves_its_session_and_only_with_its_secret():
    token = issue("test-0123", SECRET)
    assert session_of(token, SECRET) == "test-0123"
    assert session_of(token, "another-secret-of-some-length") is None


def test_new_sessions_are_random_and_signed():
    (first, first_token), (second, _) = new_session(SECRET), new_session(SECRET)
    assert first != second and len(first) == 32
    assert session_of(first_token, SECRET) == first


@pytest.mark.parametrize("token", [
    None, 42, "", ".", "abc", "victim.", ".signature", "victim." + "A" * 43,
    "../x." + "A" * 43, "x" * 300, ["list"],
])
def test_forged_or_malformed_tokens_prove_nothing(token):
    assert session_of(token, SECRET) is None


def test_a_signature_cannot_be_moved_to_another_session():
    signature = issue("alice", SECRET).rpartition(".")[2]
    assert session_of(f"bob.{signature}", SECRET) is None


def test_ids_the_channels_refuse_get_no_token():
    with pytest.raises(ValueError):
        issue("../etc/passwd", SECRET)


def test_the_secret_comes_from_the_environment_with_a_development_default():
    assert secret_from_env({"CHAT_TOKEN_SECRET": " s3cret-value "}) == "s3cret-value"
    assert secret_from_env({}) == DEFAULT_SECRET


NOW = 1_800_000_000.0
DAY = 24 * 3600


@pytest.mark.parametrize(("age", "proves"), [
    (0, True), (DAY - 1, True), (DAY, True), (DAY + 1, False), (-60, True), (-3600, False),
], ids=["new", "almost-a-day", "a-day", "older", "clock-a-minute-ahead", "from-the-future"])
def test_a_token_expires_a_day_after_it_was_issued(age, proves):
    token = issue("vecina", SECRET, now=NOW - age)
    assert (session_of(token, SECRET, max_idle=DAY, now=NOW) == "vecina") is proves


def test_several_secrets_are_accepted_and_the_first_signs():
    rotated = f"the-new-secret-of-the-month, {SECRET}"
    assert session_of(issue("vecino", SECRET), rotated) == "vecino"
    assert session_of(issue("vecino", rotated), "the-new-secret-of-the-month") == "vecino"
    assert session_of(issue("vecino", rotated), SECRET) is None


def test_tokens_of_the_first_format_and_moved_timestamps_prove_nothing():
    assert session_of("vecina." + "A" * 43, SECRET) is None
    session_id, issued, signature = issue("vecina", SECRET, now=NOW).split(".")
    later = f"{session_id}.{int(NOW) + 3600}.{signature}"
    assert session_of(later, SECRET, now=NOW) is None, "the time is signed too"


def test_session_ids_with_dots_keep_their_dots():
    assert session_of(issue("a.b.c", SECRET), SECRET) == "a.b.c"
