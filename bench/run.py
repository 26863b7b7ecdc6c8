"""`make bench`: the assistant's costs, side by side with a bare Rasa, in one run.

Run with the main venv's Python (`.venv/bin/python -m bench.run`); Locust, the
socket.io client and py-spy come from `bench/.venv` (bench/requirements.txt).
In order, everything in a temporary folder and on free ports:

1. training: this assistant from scratch (own training cache), then again after an
   FAQ answer's text alone changed; `rasa init --no-prompt` (the stock assistant,
   trained from scratch) and its answer-only retraining; model sizes;
2. cold start of each process (launch to ready; Rasa also to its first answer),
   one at a time, and resident memory at rest; this assistant runs on a fresh
   SQLite database, the fake clock at a staffed time, the rate limit raised;
3. per N (1, 10, 50, 100): Locust's `ChatCitizen` against this assistant, then
   against the bare Rasa (bench/locustfile.py), with CPU and peak memory of each
   process sampled from /proc;
4. the NLU floor: `/model/parse` in a closed loop (1 and 10 clients);
5. one long conversation per system (bench/long_conversation.py);
6. a py-spy profile of both our servers under N=50 (on by default; `--no-profile` skips it).

Writes `bench/results/<time>/` (logs, raw samples, results.json, report.md) and
copies report.md to `bench/results/latest.md`.

This module is the command line and the order of the phases; the parts live in
bench/processes.py (starting and stopping the systems), bench/training.py,
bench/load.py (the Locust runs and the long conversation), bench/sampling.py
(CPU and memory from /proc, the load average), bench/profiling.py (py-spy) and
bench/report.py (report.md).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.load import locust, long_conversation
from bench.log import log
from bench.processes import BARE_CREDENTIALS, BENCH, BENCH_BIN, System, start_bare, start_tenjo
from bench.profiling import profile
from bench.report import machine, report
from bench.sampling import load_average, wait_for_quiet
from bench.training import train_bare, train_tenjo
from tools.stack import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", default="1,10,50,100", help="N, comma-separated")
    parser.add_argument("--seconds", type=int, default=30, help="measured seconds per N")
    parser.add_argument("--think", default="2,5", help="think time range in seconds")
    parser.add_argument("--parse-seconds", type=int, default=8)
    parser.add_argument("--long-turns", type=int, default=210)
    parser.add_argument("--model", help="skip our training, use this model")
    parser.add_argument("--bare-project", help="skip rasa init, copy this trained project")
    parser.add_argument("--systems", default="tenjo,bare")
    parser.add_argument("--database-url", help="ours on this database (default: a fresh SQLite)")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--wait-idle", action="store_true",
                        help="first wait until the load average stays under 1.0 for a minute")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    users = [int(n) for n in args.users.split(",")]
    think = tuple(float(x) for x in args.think.split(","))
    systems = args.systems.split(",")
    for tool in ("locust", "python", "py-spy"):
        if not (BENCH_BIN / tool).exists():
            print(f"{BENCH_BIN / tool} is missing: `make bench` builds bench/.venv.",
                  file=sys.stderr)
            return 1
    load_at_start = wait_for_quiet() if args.wait_idle else load_average()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    clock = time.perf_counter()
    out = BENCH / "results" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True)
    results: dict = {"started": started, "load_at_start": load_at_start, "machine": machine(),
                     "think": think, "seconds": args.seconds, "training": {}, "cold": {},
                     "rest_mb": {}, "load": [], "parse": [], "long": []}
    running: dict[str, System] = {}
    with tempfile.TemporaryDirectory(prefix="tenjo-bench-") as tmp:
        work = Path(tmp)
        try:
            if "tenjo" in systems:
                if args.model:
                    model = str(Path(args.model).resolve())
                else:
                    results["training"]["tenjo"] = train_tenjo(work, out)
                    model = results["training"]["tenjo"]["model"]
            if "bare" in systems and args.bare_project:
                shutil.copytree(args.bare_project, work / "bare")
                (work / "bare" / "credentials.yml").write_text(BARE_CREDENTIALS)
            elif "bare" in systems:
                results["training"]["bare"] = train_bare(work, out)
            if "tenjo" in systems:
                running["tenjo"] = start_tenjo(work, model, out, args.database_url)
            if "bare" in systems:
                running["bare"] = start_bare(work, out)
            for name, system in running.items():
                results["cold"][name] = system.cold
                results["rest_mb"][name] = system.rest_mb
            for n in users:
                for name, system in running.items():
                    log(f"{name}: {n} citizens for {args.seconds} s")
                    run = locust(system, "ChatCitizen", n, args.seconds, out, f"{name}-{n}", think)
                    log(f"  p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, "
                        f"{run['turns_per_s']} turns/s, errors {run['errors']}")
                    results["load"].append(run)
            for n in (1, 10):
                for name, system in running.items():
                    log(f"{name}: /model/parse, {n} clients")
                    results["parse"].append(locust(system, "ParseClient", n, args.parse_seconds,
                                                   out, f"parse-{name}-{n}", think, ramp=1))
            for name, system in running.items():
                log(f"{name}: one conversation of {args.long_turns} turns")
                results["long"].append(long_conversation(system, args.long_turns, out))
            if not args.no_profile and "tenjo" in running:
                log("profiling ours under N=50 (py-spy)")
                results["profile"] = profile(running["tenjo"], out, think)
        finally:
            for system in running.values():
                system.stop()
    results["total_s"] = round(time.perf_counter() - clock, 1)
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    text = report(results)
    (out / "report.md").write_text(text, encoding="utf-8")
    shutil.copy(out / "report.md", BENCH / "results" / "latest.md")
    print(text)
    log(f"written to {out.relative_to(ROOT)}/ (report.md, results.json, logs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
