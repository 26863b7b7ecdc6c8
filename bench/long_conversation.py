"""One citizen, one long conversation back to back over socket.io; each turn's seconds.

Ours: a greeting, a name, then FAQ questions each confirmed with "sí" (the bot asks
"¿Tiene alguna otra consulta?" and the next question follows). The bare Rasa: moods,
yes, greetings. No think time, so the session never expires and the inactivity
prompt (60 s) never fires. Run by bench/load.py with bench/.venv's Python.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from bench.citizen import Citizen, long_script


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--system", choices=("tenjo", "bare"), required=True)
    parser.add_argument("--turns", type=int, default=210)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    citizen = Citizen(args.url)
    seconds, errors, replies, spans = [], [], [], []
    try:
        for text in long_script(args.system, args.turns):
            started = time.monotonic()
            turn = citizen.say(text)
            spans.append((started, time.monotonic()))
            seconds.append(turn.seconds)
            errors.append(turn.error)
            replies.append([text, *turn.replies])
    finally:
        citizen.close()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"seconds": seconds, "errors": errors, "spans": spans,
                   "replies": replies}, out,
                  ensure_ascii=False, indent=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
