"""The measured phases: Locust runs and the long conversation, reduced to figures.

`locust` plays N users of one class of bench/locustfile.py (`ChatCitizen`, or
`ParseClient` for the NLU floor) against a system; `long_conversation` runs
bench/long_conversation.py. Both sample the system's processes meanwhile and
return latency percentiles, throughput, errors, CPU and memory, and (ours) the time
spent in action calls seen by the `TimingProxy`.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.log import log
from bench.processes import BENCH, BENCH_BIN, TOKEN, System
from bench.sampling import Sampler
from tools.stack import ROOT


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def locust(system: System, user_class: str, users: int, seconds: int, out: Path,
           label: str, think: tuple[float, float], ramp: float = 5.0) -> dict:
    """One Locust run; latency, throughput, errors and per-process CPU/memory."""
    samples = out / f"{label}.json"
    rate = max(1.0, users / ramp)
    run_time = math.ceil(users / rate) + seconds
    env = dict(os.environ, BENCH_SYSTEM=system.name, BENCH_TOKEN=TOKEN,
               BENCH_SAMPLES=str(samples), PYTHONPATH=str(ROOT),
               THINK_MIN=str(think[0]), THINK_MAX=str(think[1]))
    command = [str(BENCH_BIN / "locust"), "-f", str(BENCH / "locustfile.py"), user_class,
               "--headless", "-u", str(users), "-r", f"{rate:g}", "-t", f"{run_time}s",
               "--host", system.url, "--only-summary", "--stop-timeout", "0",
               "--loglevel", "WARNING"]
    with (out / f"{label}.log").open("ab") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT)
        with Sampler({**system.pids, "locust": process.pid}) as sampler:
            try:
                process.wait(timeout=run_time + 60)
            except subprocess.TimeoutExpired:  # Locust writes its samples when it quits
                log("Locust did not stop on time: SIGTERM")
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    data = json.loads(samples.read_text())
    marks = data["marks"]
    begin = marks.get("spawned", marks["start"])
    end = min(marks["stop"], marks["start"] + run_time)
    window = [s for s in data["samples"] if begin <= s[0] <= end]
    requests = [s for s in window if s[2] != "connect"]
    ok = [s[3] for s in requests if s[5] is None]
    errors = Counter(s[5].split(":")[0] for s in window if s[5] is not None)
    resources = sampler.result()
    span = max(end - begin, 1e-9)
    turns = len(ok)
    result = {
        "system": system.name, "users": users, "window_s": round(span, 1), "turns": turns,
        "turns_per_s": round(turns / span, 2),
        "messages_per_s": round(sum(s[4] for s in requests if s[5] is None) / span, 2),
        "p50_ms": _ms(percentile(ok, 50)), "p95_ms": _ms(percentile(ok, 95)),
        "p99_ms": _ms(percentile(ok, 99)), "errors": sum(errors.values()),
        "error_kinds": dict(errors), "resources": resources,
    }
    if system.proxy and turns:
        calls = system.proxy.calls_between(time.monotonic() - (time.time() - begin),
                                           time.monotonic() - (time.time() - end))
        result["action_calls_per_turn"] = round(len(calls) / turns, 2)
        result["actions_ms_per_turn"] = round(1000 * sum(calls) / turns, 2)
        result["action_call_p50_ms"] = _ms(percentile([c * 1000 for c in calls], 50))
    if turns:
        result["rasa_cpu_ms_per_turn"] = round(1000 * resources["rasa"]["cpu_s"] / turns, 2)
    return result


def long_conversation(system: System, turns: int, out: Path) -> dict:
    """One citizen, `turns` turns back to back; turn 1-10 against 191-200."""
    path = out / f"long-{system.name}.json"
    command = [str(BENCH_BIN / "python"), "-m", "bench.long_conversation", "--url", system.url,
               "--system", system.name, "--turns", str(turns), "--out", str(path)]
    with Sampler(system.pids) as sampler:
        subprocess.run(command, cwd=ROOT, check=True,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    data = json.loads(path.read_text())
    seconds = data["seconds"]
    ms = [s * 1000 for s in seconds if s is not None]
    actions_ms = ([1000 * sum(system.proxy.calls_between(*span)) for span in data["spans"]]
                  if system.proxy else [])
    n = len(ms)
    early, late = ms[:10], ms[max(0, min(n, 200) - 10):min(n, 200)]
    mean_x, mean_y = (n - 1) / 2, sum(ms) / n
    slope = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(ms)) / sum(
        (i - mean_x) ** 2 for i in range(n))
    resources = sampler.result()
    result = {
        "system": system.name, "turns": n, "errors": len(seconds) - n,
        "p50_turns_1_10_ms": _ms(percentile(early, 50)),
        "p50_turns_191_200_ms": _ms(percentile(late, 50)),
        "ratio": round(percentile(late, 50) / percentile(early, 50), 2),
        "slope_ms_per_turn": round(slope, 3), "resources": resources,
    }
    if actions_ms:
        result["actions_cpu_ms_per_turn"] = round(1000 * resources["actions"]["cpu_s"] / n, 2)
        result["actions_ms_p50"] = _ms(percentile(actions_ms, 50))
        result["actions_ms_p50_turns_1_10"] = _ms(percentile(actions_ms[:10], 50))
        result["actions_ms_p50_turns_191_200"] = _ms(percentile(
            actions_ms[max(0, min(n, 200) - 10):min(n, 200)], 50))
    return result
