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
6. a py-spy profile of both our servers under N=50 (`--profile`, on by default).

Writes `bench/results/<time>/` (logs, raw samples, results.json, report.md) and
copies report.md to `bench/results/latest.md`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from bench.timing_proxy import TimingProxy
from channels.session_tokens import issue, secret_from_env
from tools.stack import ROOT, commands, health_urls, stack_env

BENCH = ROOT / "bench"
MAIN_BIN = Path(sys.executable).parent
BENCH_BIN = BENCH / ".venv" / "bin"
TOKEN = "bench-token"
STAFFED = "2026-12-01T09:00:00-05:00"  # a Tuesday morning: agents on duty
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
SYSTEMS = ("tenjo", "bare")

BARE_CREDENTIALS = """\
rest:
socketio:
  user_message_evt: user_uttered
  bot_message_evt: bot_uttered
  session_persistence: true
"""


def log(message: str) -> None:
    """A progress line with the elapsed time."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> str:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


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


# -- processes and /proc ---------------------------------------------------------------

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


def answers(url: str) -> bool:
    """True when the URL answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def launch(command: list[str], cwd: Path, env: dict[str, str], log_file: Path,
           ready_url: str, timeout: float = 300) -> tuple[subprocess.Popen, float]:
    """Starts a process in its own group; (process, seconds until `ready_url` answers)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file.open("ab"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    while not answers(ready_url):
        if process.poll() is not None:
            raise RuntimeError(f"{command[:3]} exited with {process.returncode}: see {log_file}")
        if time.perf_counter() - started > timeout:
            stop(process)
            raise TimeoutError(f"{command[:3]} not ready after {timeout:.0f} s")
        time.sleep(0.2)
    return process, time.perf_counter() - started


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the group, SIGKILL after 15 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def rest_turn(url: str, text: str, sender: str) -> float:
    """Seconds for one REST turn (the whole reply)."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    token = issue(sender, secret_from_env())  # the session's token (bare Rasa ignores it)
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - started


# -- training ----------------------------------------------------------------------------

def timed(command: list[str], cwd: Path, env: dict[str, str], log_file: Path) -> float:
    """Runs a command to the end (must succeed); its wall seconds."""
    started = time.perf_counter()
    with log_file.open("ab") as out:
        subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                       check=True)
    return time.perf_counter() - started


def _edit_first_answer(domain: Path, marker: str) -> None:
    """Appends a sentence to the first response text after `marker` (answer-only change)."""
    lines = domain.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if marker in line)
    for i in range(start + 1, len(lines)):
        if "- text:" in lines[i]:
            block = lines[i].rstrip().endswith(("|-", "|", ">-", ">"))
            quoted = not block and lines[i].rstrip().endswith('"')
            target = i + 1 if block else i
            lines[target] = lines[target].rstrip("\n").rstrip('"') + " Gracias."
            lines[target] += '"\n' if quoted else "\n"
            break
    domain.write_text("".join(lines), encoding="utf-8")


def train_tenjo(work: Path, logs: Path) -> dict:
    """Our assistant trained from scratch in a copy of its project, then answer-only."""
    project = work / "tenjo"
    project.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "data", project / "data")
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false")
    train = [str(MAIN_BIN / "rasa"), "train", "--fixed-model-name", "tenjo", "--out", "models"]
    log("training this assistant from scratch (4 to 10 minutes on a 2-core machine)")
    scratch = timed(train, project, env, logs / "train-tenjo.log")
    model = work / "tenjo.tar.gz"
    shutil.copy(project / "models" / "tenjo.tar.gz", model)
    _edit_first_answer(project / "domain.yml", "utter_faq/")
    log("retraining after an answer-only change")
    answer_only = timed(train, project, env, logs / "train-tenjo.log")
    return {"scratch_s": round(scratch, 1), "answer_only_s": round(answer_only, 1),
            "model_mb": round(model.stat().st_size / 2**20, 1), "model": str(model)}


def train_bare(work: Path, logs: Path) -> dict:
    """`rasa init --no-prompt` (scaffold and training from scratch), then answer-only."""
    project = work / "bare"
    project.mkdir()
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    log("rasa init --no-prompt: the stock assistant, trained from scratch")
    scratch = timed([str(MAIN_BIN / "rasa"), "init", "--no-prompt", "--init-dir", "."],
                    project, env, logs / "train-bare.log")
    first = max((project / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    size = first.stat().st_size
    _edit_first_answer(project / "domain.yml", "utter_happy:")
    answer_only = timed([str(MAIN_BIN / "rasa"), "train"], project, env,
                        logs / "train-bare.log")
    (project / "credentials.yml").write_text(BARE_CREDENTIALS, encoding="utf-8")
    return {"scratch_s": round(scratch, 1), "answer_only_s": round(answer_only, 1),
            "model_mb": round(size / 2**20, 1), "model": str(project / "models")}


# -- the two systems ---------------------------------------------------------------------

class System:
    """One running assistant: its processes, its URL, its cold-start figures."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.processes: dict[str, subprocess.Popen] = {}
        self.cold: dict[str, float] = {}
        self.rest_mb: dict[str, float] = {}
        self.url = ""
        self.proxy: TimingProxy | None = None

    @property
    def pids(self) -> dict[str, int]:
        return {name: p.pid for name, p in self.processes.items()}

    def settle(self) -> None:
        """First answer after start (Rasa's lazy loading), then memory at rest."""
        self.cold["rasa_first_answer"] = round(self.cold["rasa"] + rest_turn(
            self.url, "hola" if self.name == "tenjo" else "hello", "bench-cold-start"), 2)
        time.sleep(3)
        self.rest_mb = {n: round(usage(pid)[1] / 2**20, 1) for n, pid in self.pids.items()}

    def stop(self) -> None:
        for process in self.processes.values():
            stop(process)


def start_tenjo(work: Path, model: str, logs: Path, database_url: str | None = None) -> System:
    """Our three processes, one at a time (cold start each), on a fresh SQLite by default."""
    system = System("tenjo")
    env = stack_env({
        "RASA_PORT": free_port(), "ACTIONS_PORT": free_port(), "WEB_PORT": free_port(),
        "DATABASE_URL": database_url or f"sqlite:///{work}/tenjo-bench.db", "RASA_MODEL": model,
        "RASA_TOKEN": TOKEN, "TENJO_FAKE_NOW": STAFFED,
        "RATE_LIMIT_MESSAGES": "1000000", "RATE_LIMIT_SECONDS": "1",
        # The conversations of one phase fall silent when it ends: with the default
        # timers (60 s, then 60 s more) the web app would prompt and then close them
        # during the next phases, turns the stock assistant does not have.
        "INACTIVITY_PROMPT_SECONDS": "3600", "INACTIVITY_CLOSE_SECONDS": "7200",
        "RASA_TELEMETRY_ENABLED": "false",
    })
    subprocess.run([sys.executable, "-m", "store.migrate"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    urls = health_urls(env)
    proxy_port = free_port()
    system.proxy = TimingProxy(int(proxy_port), int(env["ACTIONS_PORT"])).start()
    rasa_env = dict(env, ACTIONS_PORT=proxy_port)  # Rasa calls the actions through the proxy
    for name in ("actions", "web", "rasa"):
        log(f"starting ours: {name}")
        process, seconds = launch(commands(env)[name], ROOT, rasa_env if name == "rasa" else env,
                                  logs / f"tenjo-{name}.log", urls[name])
        system.processes[name] = process
        system.cold[name] = round(seconds, 1)
    system.url = f"http://127.0.0.1:{env['RASA_PORT']}"
    system.settle()
    return system


def start_bare(work: Path, logs: Path) -> System:
    """`rasa run --enable-api` in the stock project (in-memory tracker store)."""
    system = System("bare")
    port = free_port()
    log("starting the bare Rasa")
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")
    command = [str(MAIN_BIN / "rasa"), "run", "--model", "models", "--port", port,
               "--enable-api", "--auth-token", TOKEN, "--credentials", "credentials.yml",
               "--cors", "*"]
    process, seconds = launch(command, work / "bare", env, logs / "bare-rasa.log",
                              f"http://127.0.0.1:{port}/")
    system.processes["rasa"] = process
    system.cold["rasa"] = round(seconds, 1)
    system.url = f"http://127.0.0.1:{port}"
    system.settle()
    return system


# -- load --------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


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


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


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


# -- profile -----------------------------------------------------------------------------

CATEGORIES = [  # (label, regex on one frame "function (file:line)")
    ("NLU pipeline (parse_message)", r"^parse_message \(.*rasa/core/processor\.py"),
    ("policies (predict_next_action)", r"^_predict_next_with_tracker \(|^predict_next_action \("),
    ("tracker store: retrieve", r"^_retrieve \(.*tracker_store\.py|^retrieve \(.*tracker_store"),
    ("tracker store: save", r"^save \(.*tracker_store\.py"),
    ("tracker replay (from_dict/update)", r"^from_dict \(.*trackers\.py|^from_dict \(.*trackers"),
    ("remote action call", r"^run \(.*rasa/core/actions/action\.py"),
    ("TensorFlow", r"\(.*(tensorflow|keras)/"),
    ("SQLAlchemy", r"\(.*sqlalchemy/"),
    ("check of action answers (jsonschema)", r"^_validate_action_result \(|\(.*jsonschema/"),
    ("socket.io output (bot messages)", r"^_send_message \(.*rasa/core/channels/socketio\.py"),
    ("our code, wrappers excluded (actions, addons, channels, store)",
     r"^(?!handle_message |handle )\S+ \(" + re.escape(str(ROOT)) +
     r"/(actions|addons|channels|store)/"),
]


def summarize_profile(path: Path, seconds: float, rate: int) -> dict:
    """Inclusive share per category and the top self-time frames of a py-spy raw file."""
    totals: Counter = Counter()
    self_time: Counter = Counter()
    samples = 0
    patterns = [(label, re.compile(rx)) for label, rx in CATEGORIES]
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        samples += n
        self_time[re.sub(r":\d+\)$", ")", frames[-1])] += n
        for label, pattern in patterns:
            if any(pattern.search(frame) for frame in frames):
                totals[label] += n
    busy = samples / max(seconds * rate, 1)
    return {
        "samples": samples, "busy_share_of_one_core": round(busy, 2),
        "categories": {k: round(100 * v / max(samples, 1), 1) for k, v in totals.items()},
        "top_self": [(frame.replace(str(ROOT) + "/", ""), round(100 * n / max(samples, 1), 1))
                     for frame, n in self_time.most_common(15)],
    }


def profile(system: System, out: Path, think: tuple[float, float], users: int = 50,
            seconds: int = 20) -> dict:
    """py-spy on Rasa and the action server while Locust plays `users` citizens."""
    rate = 100
    spies = {}
    load = threading.Thread(target=locust, args=(system, "ChatCitizen", users, seconds + 10,
                                                 out, "profile-load", think))
    load.start()
    time.sleep(10)  # all users started
    for name in ("rasa", "actions"):
        target = out / f"profile-{name}.txt"
        spies[name] = (target, subprocess.Popen(
            [str(BENCH_BIN / "py-spy"), "record", "--pid", str(system.pids[name]),
             "--duration", str(seconds), "--rate", str(rate), "--format", "raw", "--gil",
             "--output", str(target), "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    for _, spy in spies.values():
        spy.wait(timeout=seconds + 60)
    load.join()
    return {name: summarize_profile(target, seconds, rate)
            for name, (target, _) in spies.items() if target.exists()}


# -- report ------------------------------------------------------------------------------

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


# -- main --------------------------------------------------------------------------------

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
