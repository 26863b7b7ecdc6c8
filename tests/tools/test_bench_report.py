"""The benchmark's report pairs each run of ours with the stock run of its round."""

from __future__ import annotations

from bench.run import goals, rounds


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
