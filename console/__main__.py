"""Command line of the console.

    python -m console [serve]                       serve the console with waitress
                                                    (refused in production with default
                                                    secrets: exit code 2)
    python -m console create-agent USERNAME --name "Nombre" [--roles "agent supervisor"]
                                   [--password-stdin]
                                                    creates an account (roles: agent,
                                                    supervisor, editor; default agent)
    python -m console reset-password USERNAME [--password-stdin]
                                                    sets a new password for an account

Both ask for the password twice (or read one line from standard input) and record
the action in the audit log with no actor (the command line). Supervisors do the
same, and deactivate accounts, in the console (/console/supervision/).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from collections.abc import Sequence
from contextlib import suppress

from console.settings import DEFAULT_SECRET_KEY, ConsoleSettings, startup_refusal
from settings import load_dotenv_or_exit

log = logging.getLogger("console")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def serve(settings: ConsoleSettings) -> None:
    """Migrates the database, starts the expiry sweeper and serves until SIGTERM/SIGINT."""
    from waitress import create_server

    from console import create_app
    from console.relay import RasaRelay
    from console.sweeper import Sweeper
    from store.db import migrate

    if settings.secret_key == DEFAULT_SECRET_KEY:
        log.warning("CONSOLE_SECRET_KEY is not set: using the development key")
    migrate(settings.database_url)
    relay = RasaRelay(settings)
    app = create_app(settings, relay=relay)
    # waitress drops X-Forwarded-For unless told otherwise; the app reads it itself, only
    # with CONSOLE_TRUSTED_PROXIES (console/auth.py: client_address).
    server = create_server(app, host=settings.web_host, port=settings.web_port, threads=8,
                           clear_untrusted_proxy_headers=False)
    sweeper = Sweeper(settings, relay).start()

    def stop(signum, _frame):
        log.info("signal %s: stopping", signum)
        raise SystemExit(0)  # waitress's run() closes the server on SystemExit

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("console on http://%s:%s/console/", settings.web_host, settings.web_port)
    try:
        server.run()
    finally:
        sweeper.stop()
        with suppress(OSError):
            server.close()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Contraseña: ")
    second = getpass.getpass("Repita la contraseña: ")
    if first != second:
        raise ValueError("Las contraseñas no coinciden.")
    return first


def create_agent(settings: ConsoleSettings, username: str, name: str, from_stdin: bool,
                 roles: str = "agent") -> int:
    """Creates an account; prints the result; the exit code."""
    from console.accounts import ROLE_LABELS, AccountError, check_roles, create_agent_account
    from store.db import migrate

    try:
        check_roles(roles)  # before asking for the password
        password = _read_password(from_stdin)
        migrate(settings.database_url)
        agent = create_agent_account(
            settings.database_url, username, name, password, settings.clock(), roles
        )
    except (AccountError, ValueError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(f"Cuenta creada: {agent.username} ({agent.display_name}).")
    print("Roles: " + ", ".join(ROLE_LABELS[role] for role in agent.roles.split()) + ".")
    return 0


def reset_password(settings: ConsoleSettings, username: str, from_stdin: bool) -> int:
    """Sets a new password for an existing account; prints the result; the exit code."""
    from console.accounts import AccountError, reset_account_password
    from store.agents import agent_by_username
    from store.db import migrate, session_for

    unknown = AccountError(f"No existe una cuenta con el usuario {username.strip()!r}.")
    try:
        migrate(settings.database_url)
        with session_for(settings.database_url) as session:
            if agent_by_username(session, username) is None:
                raise unknown  # before asking for the password
        password = _read_password(from_stdin)
        with session_for(settings.database_url) as session:
            agent = agent_by_username(session, username)
            if agent is None:
                raise unknown
            reset_account_password(session, agent, password, settings.clock())
            shown = agent.username
    except (AccountError, ValueError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    print(f"Contraseña cambiada: {shown}.")
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line's arguments."""
    main = argparse.ArgumentParser(prog="python -m console", description="Consola de funcionarios")
    commands = main.add_subparsers(dest="command")
    commands.add_parser("serve", help="sirve la consola (por defecto)")
    agent = commands.add_parser("create-agent", help="crea la cuenta de un funcionario")
    agent.add_argument("username", help="usuario de ingreso, por ejemplo amartinez")
    agent.add_argument("--name", required=True, help="nombre completo que ven los ciudadanos")
    agent.add_argument(
        "--roles", default="agent",
        help='roles separados por espacios: agent, supervisor, editor (por defecto "agent")',
    )
    agent.add_argument(
        "--password-stdin", action="store_true", help="lee la contraseña de la entrada estándar"
    )
    reset = commands.add_parser("reset-password", help="cambia la contraseña de una cuenta")
    reset.add_argument("username", help="usuario de la cuenta")
    reset.add_argument(
        "--password-stdin", action="store_true", help="lee la contraseña de la entrada estándar"
    )
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command; the exit code."""
    arguments = parser().parse_args(argv)
    quiet = arguments.command in ("create-agent", "reset-password")
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = ConsoleSettings.from_env()
    except ValueError as error:
        print(f"Error de configuración: {error}", file=sys.stderr)
        return 2
    if arguments.command == "create-agent":
        return create_agent(settings, arguments.username, arguments.name, arguments.password_stdin,
                            arguments.roles)
    if arguments.command == "reset-password":
        return reset_password(settings, arguments.username, arguments.password_stdin)
    refusal = startup_refusal()
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    serve(settings)
    return 0


if __name__ == "__main__":
    load_dotenv_or_exit()  # the .env at the root, as `make run` reads it
    sys.exit(main())
