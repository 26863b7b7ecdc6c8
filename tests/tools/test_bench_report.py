"""The benchmark's report pairs each run of ours with the stock run of its round."""

from __future__ import annotations

from bench.report import goals, report, rounds


def load_run(system: str, users: int, p95: float, errors: int = 0) -> dict:
    return {"system": system, "users": users, "p95_ms": p95, "p50_ms": p95 / 3,
            "errors": errors}


def test_each_round_has_its_own_baseline():
    load = [load_run("tenjo", 50, 137.0), load_run("bare", 50, 87.1),
            load_run("tenjo", 50, 93.6), load_run("bare", 50, 125.0),
            load_run("tenjo", 100, 280.0), load_run("bare", 100, 240.0)]
    assert [(index, bare["p95_ms"]) for index, bare in rounds(load)] == [
        (0, 87.1), (2, 125.0), (4, 240.0)]


def test_the_p95_goal_is_judged_on_the_mean_of_the_rounds():
    load = [load_run("tenjo", 50, 137.0), load_run("bare", 50, 87.1),
            load_run("tenjo", 50, 93.6), load_run("bare", 50, 125.0)]
    line = goals({"load": load})[0]
    assert line.startswith("p95 at N=50 ours/bare = 1.09 (mean of 2 rounds: 1.57, 0.75)")
    assert line.endswith(": met")


def test_one_round_over_the_goal_is_not_met():
    line = goals({"load": [load_run("tenjo", 50, 140.0), load_run("bare", 50, 100.0),
                           load_run("tenjo", 100, 1.0, errors=2), load_run("bare", 100, 1.0)]})
    assert line_for(line, "p95") == "p95 at N=50 ours/bare = 1.40 (goal ≤ 1.3): NOT met"
    assert "errors at N=100: 2 (goal 0): NOT met" in line


def line_for(lines: list[str], start: str) -> str:
    return next(text for text in lines if text.startswith(start))


def full_run(system: str, users: int, p95: float) -> dict:
    """A load run with every field the report prints; no p99 (too few turns)."""
    return {**load_run(system, users, p95), "p50_ms": p95 / 2, "p99_ms": None, "turns": 10,
            "turns_per_s": 1.0, "messages_per_s": 2.0, "error_kinds": {},
            "resources": {"rasa": {"cpu_s": 0.5, "cpu_pct": 25.0, "peak_mb": 300.0}}}


def test_the_report_puts_the_ratios_on_our_rows_only():
    text = report({
        "started": "2026-12-01 09:00:00 -05", "load_at_start": 0.25, "total_s": 600,
        "machine": {"cpus": 2, "cpu": "Test CPU", "memory_gib": 8.0, "python": "3.10.13",
                    "rasa": "3.6.20"},
        "think": (2.0, 5.0), "seconds": 30, "cold": {}, "rest_mb": {},
        "load": [full_run("tenjo", 50, 120.0), full_run("bare", 50, 100.0)]})
    assert text.startswith("# Benchmark run 2026-12-01 09:00:00 -05\n\nMachine: 2 CPUs (Test CPU), "
                           "8.0 GiB, Python 3.10.13, Rasa 3.6.20. Load average at start: 0.25. "
                           "Total time: 10.0 min.\n")
    assert "| 50 | tenjo | 10 | 1.0 | 2.0 | 60.0 | 120.0 | – | 0 | 1.20 | 1.20 |  |" in text
    assert "| 50 | bare | 10 | 1.0 | 2.0 | 50.0 | 100.0 | – | 0 |  |  |  |" in text
    assert "| 50 | tenjo | rasa | 25.0 | 300.0 | 50.0 |" in text
    assert "## Training" not in text and "## Profile" not in text
    assert text.endswith("## Goals\n\n- p95 at N=50 ours/bare = 1.20 (goal ≤ 1.3): met\n")
