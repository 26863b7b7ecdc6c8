"""`python -m store.migrate [revision]`: upgrades the app's tables of `DATABASE_URL`."""

from __future__ import annotations

import sys

from settings import current_or_exit, load_dotenv_or_exit
from store.db import migrate


def main(argv: list[str]) -> int:
    """Upgrades to the revision given (default: the newest) and says which database."""
    url = current_or_exit().database_url
    revision = argv[0] if argv else "head"
    migrate(url, revision)
    print(f"Database schema at {revision}: {url.split('@')[-1]}")
    return 0


if __name__ == "__main__":
    load_dotenv_or_exit()  # the .env at the root, as `make run` reads it
    sys.exit(main(sys.argv[1:]))
