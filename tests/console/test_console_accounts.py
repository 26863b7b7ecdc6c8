"""Account creation rules."""

from __future__ import annotations

import pytest
from console_support import NOW

from console.accounts import AccountError, create_agent_account


@pytest.mark.parametrize(
    ("username", "name", "password", "message"),
    [
        ("ana", "Ana", "123456789", "al menos 10 caracteres"),
        ("a", "Ana", "clave-segura-1", "entre 2 y 64 caracteres"),
        ("ana maría", "Ana", "clave-segura-1", "entre 2 y 64 caracteres"),
        ("ana", "   ", "clave-segura-1", "--name"),
    ],
)
def test_bad_accounts_are_refused_with_a_clear_message(database_url, username, name, password,
                                                       message):
    with pytest.raises(AccountError, match=message):
        create_agent_account(database_url, username, name, password, NOW)


def test_duplicate_username_is_refused(database_url):
    create_agent_account(database_url, "Ana", "Ana", "clave-segura-1", NOW)
    with pytest.raises(AccountError, match="Ya existe una cuenta con el usuario 'ana'"):
        create_agent_account(database_url, "ana", "Otra", "clave-segura-2", NOW)
