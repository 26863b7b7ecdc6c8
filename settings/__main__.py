"""`python -m settings`: checks this environment (completed by `.env`), exit code 2 if wrong.

`python -m settings --table` prints every variable as a Markdown table instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from settings.dotenv import with_dotenv
from settings.parsers import SettingError
from settings.production import startup_refusal
from settings.table import VARIABLES, Settings


def table() -> str:
    """The variables as a Markdown table: variable, default, read by, meaning."""
    lines = ["| variable | default | read by | meaning |", "|---|---|---|---|"]
    for variable in VARIABLES:
        default = variable.shown_default().replace("|", "\\|")
        lines.append(f"| `{variable.name}` | {default} | {variable.used_by} | "
                     f"{variable.meaning} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Checks the settings, or prints the table; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m settings", description=__doc__.splitlines()[0])
    parser.add_argument("--table", action="store_true", help="print the variables (Markdown)")
    arguments = parser.parse_args(argv)
    if arguments.table:
        print(table())
        return 0
    try:
        env = with_dotenv()
        Settings.from_env(env)
        refusal = startup_refusal(env)
    except SettingError as error:
        print(f"Configuration error: {error}", file=sys.stderr)
        return 2
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    print("Settings: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
