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
