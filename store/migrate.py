"""`python -m store.migrate [revision]`: upgrades the app's tables of `DATABASE_URL`."""

from __future__ import annotations

import os
import sys

from store.db import migrate

DEFAULT_DATABASE_URL = "sqlite:///var/tenjo.db"


def main(argv: list[str]) -> int:
    """Upgrades to the revision given (default: the newest) and says which database."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    revision = argv[0] if argv else "head"
    migrate(url, revision)
    print(f"Database schema at {revision}: {url.split('@')[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
