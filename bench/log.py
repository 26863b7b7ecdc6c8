"""The benchmark's progress lines on stdout."""

from __future__ import annotations

import time


def log(message: str) -> None:
    """A progress line with the elapsed time."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)
