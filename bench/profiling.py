"""A py-spy profile of our Rasa and action server under load, summed up by category.

`profile` records both processes while Locust plays 50 citizens; `summarize_profile`
turns a py-spy raw file into the inclusive share of each `CATEGORIES` entry and the
frames with the most self time.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

from bench.load import locust
from bench.processes import BENCH_BIN, System
from tools.stack import ROOT

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
