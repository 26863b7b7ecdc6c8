"""The run's report: `results.json` turned into the Markdown tables of `report.md`.

`report` writes every table (training, cold start, load, NLU floor, long
conversation, profile) and the goals; `rounds` pairs each run of ours with the bare
run of its round, `goals` judges the issue's goals on them. `machine` describes
what the figures were measured on, for the report's first line.
"""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

from bench.processes import MAIN_BIN

SYSTEMS = ("tenjo", "bare")


def machine() -> dict:
    """What the figures were measured on."""
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    rasa = subprocess.run([str(MAIN_BIN / "python"), "-c", "import rasa; print(rasa.__version__)"],
                          capture_output=True, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(memory / 2**20, 1),
            "python": platform.python_version(), "rasa": rasa, "kernel": platform.release()}


def _f(value: object) -> str:
    return "–" if value is None else str(value)


def report(results: dict) -> str:
    """The tables in Markdown."""
    m = results["machine"]
    lines = [
        f"# Benchmark run {results['started']}", "",
        f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"Rasa {m['rasa']}. Load average at start: {results['load_at_start']:.2f}. "
        f"Total time: {results.get('total_s', 0) / 60:.1f} min.",
        f"Think time {results['think'][0]:g}–{results['think'][1]:g} s; "
        f"{results['seconds']} s measured per N and system after all users started. "
        "Ours: SQLite tracker store (fresh file), fake clock at a staffed time, "
        "rate limit raised. Bare: `rasa init` assistant, in-memory tracker store.", "",
    ]
    if results.get("training"):
        t = results["training"]
        lines += ["## Training and model", "",
                  "| | from scratch | after an answer-only change | model size |",
                  "|---|---|---|---|"]
        for name in SYSTEMS:
            if name in t:
                lines.append(f"| {name} | {t[name]['scratch_s']} s | {t[name]['answer_only_s']} s "
                             f"| {t[name]['model_mb']} MB |")
        if "fact_only_s" in t.get("tenjo", {}):
            trained = t["tenjo"]["fact_only_components_trained"]
            lines += ["", f"After a fact-only change (one fact of `data/facts.yml` confirmed), "
                          f"`rasa train` took {t['tenjo']['fact_only_s']} s and trained "
                          f"{trained} component(s) (the action server rereads the sheet; "
                          "`make train` does not call Rasa for it)."]
        lines.append("")
    lines += ["## Cold start and memory at rest", "",
              "| process | launch → ready | launch → first answer | resident at rest |",
              "|---|---|---|---|"]
    for name, cold in results["cold"].items():
        for proc, seconds in cold.items():
            if proc == "rasa_first_answer":
                continue
            first = f"{cold['rasa_first_answer']} s" if proc == "rasa" else "–"
            lines.append(f"| {name} {proc} | {seconds} s | {first} | "
                         f"{results['rest_mb'][name].get(proc)} MB |")
    lines += ["", "## Reply latency and throughput (socket.io, ack of each turn)", "",
              "| N | system | turns | turns/s | bot msgs/s | p50 ms | p95 ms | p99 ms | errors "
              "| p95 ours/bare | p50 ours/bare | action calls ms/turn |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    pairs = dict(rounds(results["load"]))
    for index, run in enumerate(results["load"]):
        ratio95 = ratio50 = ""
        if run["system"] == "tenjo":
            bare = pairs.get(index)
            if bare and bare["p95_ms"] and run["p95_ms"]:
                ratio95 = f"{run['p95_ms'] / bare['p95_ms']:.2f}"
                ratio50 = f"{run['p50_ms'] / bare['p50_ms']:.2f}"
        errors = f"{run['errors']} {run['error_kinds'] or ''}".strip()
        lines.append(f"| {run['users']} | {run['system']} | {run['turns']} | {run['turns_per_s']} "
                     f"| {run['messages_per_s']} | {_f(run['p50_ms'])} | {_f(run['p95_ms'])} | "
                     f"{_f(run['p99_ms'])} | {errors} | {ratio95} | {ratio50} | "
                     f"{run.get('actions_ms_per_turn', '')} |")
    lines += ["", "## CPU and peak memory per process under load", "",
              "CPU in % of one core over the Locust run; peak resident set; CPU ms per turn.", "",
              "| N | system | process | CPU % | peak MB | CPU ms/turn |",
              "|---|---|---|---|---|---|"]
    for run in results["load"]:
        for proc, r in run["resources"].items():
            per_turn = (round(1000 * r["cpu_s"] / run["turns"], 1)
                        if run["turns"] and proc != "locust" else "")
            lines.append(f"| {run['users']} | {run['system']} | {proc} | {r['cpu_pct']} | "
                         f"{r['peak_mb']} | {per_turn} |")
    if results.get("parse"):
        lines += ["", "## NLU floor: `/model/parse` in a closed loop", "",
                  "| clients | system | parses/s | p50 ms | p95 ms | p99 ms | errors "
                  "| Rasa CPU ms/parse |",
                  "|---|---|---|---|---|---|---|---|"]
        for run in results["parse"]:
            lines.append(f"| {run['users']} | {run['system']} | {run['turns_per_s']} | "
                         f"{_f(run['p50_ms'])} | {_f(run['p95_ms'])} | {_f(run['p99_ms'])} | "
                         f"{run['errors']} | {run.get('rasa_cpu_ms_per_turn', '')} |")
    if results.get("long"):
        lines += ["", "## One long conversation (back to back, no think time)", "",
                  "| system | turns | p50 turns 1–10 | p50 turns 191–200 | ratio | slope ms/turn "
                  "| errors | action calls ms/turn p50 (1–10, 191–200) | actions CPU ms/turn |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for run in results["long"]:
            calls = (f"{run['actions_ms_p50']} ({run['actions_ms_p50_turns_1_10']}, "
                     f"{run['actions_ms_p50_turns_191_200']})" if "actions_ms_p50" in run else "")
            lines.append(f"| {run['system']} | {run['turns']} | {run['p50_turns_1_10_ms']} ms | "
                         f"{run['p50_turns_191_200_ms']} ms | {run['ratio']} | "
                         f"{run['slope_ms_per_turn']} | {run['errors']} | {calls} | "
                         f"{run.get('actions_cpu_ms_per_turn', '')} |")
    if results.get("profile"):
        lines += ["", "## Profile under N=50 (py-spy, share of samples)", ""]
        for proc, prof in results["profile"].items():
            lines += [f"**{proc}**: {prof['samples']} samples, busy "
                      f"{prof['busy_share_of_one_core']:.0%} of one core.", "",
                      "| category (inclusive) | % |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in sorted(prof["categories"].items(),
                                                         key=lambda kv: -kv[1])]
            lines += ["", "| top frame (self) | % |", "|---|---|"]
            lines += [f"| `{frame}` | {share} |" for frame, share in prof["top_self"][:10]]
            lines.append("")
    lines += ["", "## Goals", ""] + [f"- {g}" for g in goals(results)]
    return "\n".join(lines) + "\n"


def rounds(load: list[dict]) -> list[tuple[int, dict]]:
    """(index of a run of ours, the bare run of the same N that came next after it).

    `--users 50,50,50` runs three rounds at one N: each is paired with its own.
    """
    pairs = []
    for index, run in enumerate(load):
        if run["system"] != "tenjo":
            continue
        bare = next((r for r in load[index + 1:]
                     if r["system"] == "bare" and r["users"] == run["users"]), None)
        if bare is not None:
            pairs.append((index, bare))
    return pairs


def goals(results: dict) -> list[str]:
    """The issue's goals against this run."""
    out = []
    by = {(r["system"], r["users"]): r for r in results["load"]}
    at_50 = [(results["load"][i], bare) for i, bare in rounds(results["load"])
             if bare["users"] == 50 and bare["p95_ms"] and results["load"][i]["p95_ms"]]
    if at_50:
        ours = sum(run["p95_ms"] for run, _ in at_50) / len(at_50)
        ratio = ours / (sum(bare["p95_ms"] for _, bare in at_50) / len(at_50))
        each = (f" (mean of {len(at_50)} rounds: " + ", ".join(
            f"{run['p95_ms'] / bare['p95_ms']:.2f}" for run, bare in at_50) + ")"
            if len(at_50) > 1 else "")
        out.append(f"p95 at N=50 ours/bare = {ratio:.2f}{each} (goal ≤ 1.3): "
                   f"{'met' if ratio <= 1.3 else 'NOT met'}")
    if ("tenjo", 100) in by:
        errors = by[("tenjo", 100)]["errors"]
        out.append(f"errors at N=100: {errors} (goal 0): {'met' if errors == 0 else 'NOT met'}")
    long_ours = next((r for r in results.get("long", []) if r["system"] == "tenjo"), None)
    if long_ours:
        added = long_ours.get("actions_ms_p50")
        out.append(f"action calls per turn, p50 over the long conversation: {added} ms "
                   f"(goal < 10 ms): {'met' if added is not None and added < 10 else 'NOT met'}")
        out.append(f"turn 191–200 / turn 1–10 p50 = {long_ours['ratio']} (goal < 1.5): "
                   f"{'met' if long_ours['ratio'] < 1.5 else 'NOT met'}")
    return out
