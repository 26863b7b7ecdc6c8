"""`make readiness`: the go-live checklist (content/readiness.py), printed for people.

    python -m tools.readiness [--no-network]

Reads this installation's environment (with `.env`), the fact sheet and domain.yml.
Exit code 0 only when nothing blocks going live; 1 otherwise; 2 when a setting is
unreadable.
"""

from __future__ import annotations

import argparse
import os
import sys
from itertools import groupby

import settings
from content.readiness import UNKNOWN, Item, checklist


def render(items: list[Item]) -> str:
    """The checklist as text, grouped by area; blocking items marked."""
    if not items:
        return ("Lista de salida a producción: nada pendiente. "
                "El asistente puede salir a producción.")
    lines = ["Lista de salida a producción", ""]
    for area, group in groupby(items, key=lambda item: item.area):
        lines.append(f"== {area}")
        for item in group:
            mark = "BLOQUEA" if item.blocks else "aviso  "
            lines.append(f"[{mark}] {item.subject}: {item.problem}")
            if item.topics:
                lines.append(f"          respuestas que se debilitan: {', '.join(item.topics)}")
        lines.append("")
    blocking = sum(item.blocks for item in items)
    lines.append(f"{blocking} punto(s) bloquean la salida a producción; "
                 f"{len(items) - blocking} aviso(s).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m tools.readiness",
                                     description="Go-live checklist of the assistant.")
    parser.add_argument("--no-network", action="store_true",
                        help="do not try the links (each is reported as not checked)")
    args = parser.parse_args(argv)
    try:
        env = settings.with_dotenv(os.environ)
        values = settings.Settings.from_env(env)
    except settings.SettingError as error:
        print(error, file=sys.stderr)
        return 2
    items = checklist(values.facts_path, values.domain_path, env,
                      **({"probe": lambda url: UNKNOWN} if args.no_network else {}))
    print(render(items))
    return 1 if any(item.blocks for item in items) else 0


if __name__ == "__main__":
    sys.exit(main())
