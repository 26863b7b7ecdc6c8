"""Personal data (Ley 1581 de 2012): forget one citizen on request, or apply retention.

    python -m tools.privacy forget --conversation ID [--yes]
    python -m tools.privacy forget --email ADDRESS [--yes]
    python -m tools.privacy purge [--dry-run]

Settings: `DATABASE_URL`, `RETENTION_TRANSCRIPT_DAYS` (default 180),
`RETENTION_CONTACT_DAYS` (default 365), `TENJO_FAKE_NOW` (tests). What each step
deletes or keeps: `store/privacy.py`. Exit status: 0 done, 1 nothing matched or
cancelled, 2 wrong arguments or settings.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError, ProgrammingError

from settings import SettingError, current, load_dotenv_or_exit
from store.db import session_for
from store.privacy import find_conversations, forget_conversation, purge_expired

YES = {"s", "si", "sí", "y", "yes"}
PURGE_LABELS = {
    "handoff_messages": "mensajes de transferencias eliminados",
    "handoffs.citizen_name": "nombres borrados de transferencias",
    "conversation_events.text": "textos no entendidos borrados; el evento queda",
    "events": "eventos del historial de Rasa eliminados",
    "events.withheld_text": "textos de mensajes retenidos por P10 borrados del historial de Rasa",
    "follow_ups.contact": "seguimientos anonimizados: correo, nombre, pregunta, respuesta",
}


def _confirm(conversations: list[str], ask: Callable[[str], str]) -> bool:
    try:
        answer = ask(f"¿Eliminar todos los datos de {len(conversations)} conversación(es)? "
                     "Esta acción no se puede deshacer [s/N]: ")
    except EOFError:
        return False
    return answer.strip().lower() in YES


def forget(url: str, args: argparse.Namespace, ask: Callable[[str], str]) -> int:
    """Deletes the citizen's conversations found by id or e-mail, after confirmation."""
    with session_for(url) as session:
        conversations = find_conversations(
            session, email=args.email, conversation_id=args.conversation
        )
    if not conversations:
        what = (f"del correo {args.email}" if args.email
                else f"de la conversación {args.conversation}")
        print(f"No hay datos {what}: no se eliminó nada.")
        return 1
    print("Conversaciones encontradas:")
    for conversation_id in conversations:
        print(f"  {conversation_id}")
    if not args.yes and not _confirm(conversations, ask):
        print("Cancelado: no se eliminó nada.")
        return 1
    totals: Counter[str] = Counter()
    with session_for(url) as session:
        for conversation_id in conversations:
            totals.update(forget_conversation(session, conversation_id))
    print("Eliminado, filas por tabla:")
    for table, count in totals.items():
        print(f"  {table}: {count}")
    return 0


def purge(url: str, now: datetime, transcript_days: int, contact_days: int, dry_run: bool) -> int:
    """Applies retention as of `now` (or only counts, with `dry_run`)."""
    def before(days: int) -> str:
        return f"{now - timedelta(days=days):%Y-%m-%d %H:%M:%S %Z}"

    print(f"Retención: transcripciones {transcript_days} días (anteriores a "
          f"{before(transcript_days)}), contactos {contact_days} días (anteriores a "
          f"{before(contact_days)}).")
    with session_for(url) as session:
        counts = purge_expired(session, now, transcript_days, contact_days, dry_run=dry_run)
    for key, count in counts.items():
        print(f"  {key}: {count}  ({PURGE_LABELS.get(key, key)})")
    if dry_run:
        print("Simulación (--dry-run): no se cambió nada.")
    return 0


def main(
    argv: list[str] | None = None,
    clock: Callable[[], datetime] | None = None,
    ask: Callable[[str], str] = input,
) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    forget_parser = commands.add_parser(
        "forget", help="delete every piece of data of one citizen (on request)"
    )
    target = forget_parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--conversation", help="the conversation id (Rasa's sender id)")
    target.add_argument("--email", help="the address the citizen gave for a follow-up")
    forget_parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    purge_parser = commands.add_parser("purge", help="apply the retention settings")
    purge_parser.add_argument("--dry-run", action="store_true", help="count, change nothing")
    args = parser.parse_args(argv)

    try:
        values = current()
    except SettingError as error:
        print(f"Error de configuración: {error}", file=sys.stderr)
        return 2
    url = values.database_url
    try:
        if args.command == "forget":
            return forget(url, args, ask)
        now = (clock or values.clock)()
        return purge(url, now, values.retention_transcript_days, values.retention_contact_days,
                     args.dry_run)
    except (OperationalError, ProgrammingError) as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        print(f"No se pudo usar la base de datos ({reason}). ¿Falta `python -m store.migrate`?",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    load_dotenv_or_exit()  # the .env at the root, as `make run` reads it
    sys.exit(main())
