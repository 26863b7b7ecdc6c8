"""What the benchmark reads about the machine: process trees in /proc and the load average.

`usage` gives a tree's CPU seconds and resident bytes once; `Sampler` follows named
trees in a thread during a phase (CPU % of one core, peak resident MB);
`wait_for_quiet` holds the start until the machine is idle (`--wait-idle`).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bench.log import log

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _stat(pid: int) -> tuple[int, float, int] | None:
    """(ppid, cpu seconds, rss bytes) of one process, or None if gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw.rsplit(")", 1)[1].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS, int(fields[21]) * PAGE


def descendants(root: int) -> list[int]:
    """The process and all its descendants."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                parents.setdefault(stat[0], []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def usage(root: int) -> tuple[float, int]:
    """CPU seconds and resident bytes of a process tree."""
    cpu = rss = 0
    for pid in descendants(root):
        stat = _stat(pid)
        if stat:
            cpu += stat[1]
            rss += stat[2]
    return cpu, rss


class Sampler:
    """Samples CPU and resident memory of named process trees every `every` seconds."""

    def __init__(self, pids: dict[str, int], every: float = 0.5) -> None:
        self.pids = pids
        self.every = every
        self.peak = dict.fromkeys(pids, 0)
        self._first: dict[tuple[str, int], tuple[float, float]] = {}
        self._last: dict[tuple[str, int], tuple[float, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        now = time.monotonic()
        first_round = not self._first
        for name, root in self.pids.items():
            rss = 0
            for pid in descendants(root):
                stat = _stat(pid)
                if stat is None:
                    continue
                rss += stat[2]
                # A process born during the run counts from zero CPU.
                self._first.setdefault((name, pid), (now, stat[1] if first_round else 0.0))
                self._last[(name, pid)] = (now, stat[1])
            self.peak[name] = max(self.peak[name], rss)
        self._t0 = getattr(self, "_t0", now)
        self._t1 = now

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def result(self) -> dict[str, dict[str, float]]:
        """Per process: CPU seconds, CPU % of one core, peak resident MB."""
        out = {}
        span = max(self._t1 - self._t0, 1e-9)
        for name in self.pids:
            cpu = sum(self._last[key][1] - self._first[key][1] for key in self._last
                      if key[0] == name)
            out[name] = {"cpu_s": round(cpu, 2), "cpu_pct": round(100 * cpu / span, 1),
                         "peak_mb": round(self.peak[name] / 2**20, 1)}
        return out


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def wait_for_quiet(limit: float = 1.0, hold: float = 60, poll: float = 30,
                   give_up: float = 1800) -> float:
    """Waits until the load average stays under `limit` for `hold` s; the load then."""
    deadline = time.monotonic() + give_up
    quiet_since = None
    while time.monotonic() < deadline:
        load = load_average()
        if load < limit:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= hold:
                return load
        else:
            quiet_since = None
        log(f"load average {load:.2f}: waiting for < {limit} during {hold:.0f} s")
        time.sleep(poll)
    log("the machine never got quiet: measuring anyway")
    return load_average()
