"""Cross-validation of the NLU pipeline on the training data (issue 5).

    python -m tools.nlu_crossval [--folds 3] [--out results/crossval]
                                 [--summary docs/nlu-crossval.json]

Runs `rasa test nlu --cross-validation` with the pipeline of `config.yml` minus
the understanding check (Rasa's evaluator would count its `check_understanding`
as a wrong intent; it undoes `nlu_fallback` by itself), times it, and writes a
small summary that `make nlu-report` includes in `docs/nlu-report.md`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINT_INPUTS = ("config.yml", "data/nlu", "data/lexicons", "addons")
EXCLUDED_COMPONENTS = ("addons.understanding_check.UnderstandingCheck",)
# Scored as Rasa's own selector: the topic of every `faq` example, whatever DIET said.
STOCK_EQUIVALENTS = {"addons.faq_selector.FaqResponseSelector": "ResponseSelector"}


def data_fingerprint(root: Path = ROOT) -> str:
    """A hash of the NLU data, the word lists, the config and the components."""
    digest = hashlib.sha256()
    for name in FINGERPRINT_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".yml", ".yaml", ".txt", ".py"):
                digest.update(str(file.relative_to(root)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def crossval_config(config_path: Path, target: Path) -> None:
    """Writes config.yml without the components the evaluator cannot score, and with
    Rasa's own ResponseSelector in place of ours."""
    yaml = YAML()
    config = yaml.load(config_path.read_text(encoding="utf-8"))
    config["pipeline"] = [
        c for c in config["pipeline"] if c.get("name") not in EXCLUDED_COMPONENTS
    ]
    for component in config["pipeline"]:
        component["name"] = STOCK_EQUIVALENTS.get(component["name"], component["name"])
    config.pop("policies", None)
    with open(target, "w", encoding="utf-8") as handle:
        yaml.dump(config, handle)


def summarise_report(report: dict[str, Any], weakest: int = 3) -> dict[str, Any]:
    """Accuracy, macro and weighted F1 and the weakest labels of a Rasa report."""
    labels = {
        name: values
        for name, values in report.items()
        if isinstance(values, dict) and "f1-score" in values
        and name not in ("macro avg", "weighted avg", "micro avg")
    }
    lowest = sorted(labels.items(), key=lambda item: item[1]["f1-score"])[:weakest]
    accuracy = report.get("accuracy")
    if accuracy is None:
        accuracy = (report.get("micro avg") or {}).get("f1-score", 0.0)
    return {
        "accuracy": round(float(accuracy), 4),
        "macro_f1": round(float(report["macro avg"]["f1-score"]), 4),
        "weighted_f1": round(float(report["weighted avg"]["f1-score"]), 4),
        "weakest": ", ".join(f"`{n}` {v['f1-score']:.2f}" for n, v in lowest),
    }


def count_examples(nlu_dir: Path) -> int:
    """Training examples in the NLU files."""
    from rasa.shared.nlu.training_data.loading import load_data

    return len(load_data(str(nlu_dir)).intent_examples)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit code of `rasa test nlu`."""
    parser = argparse.ArgumentParser(prog="python -m tools.nlu_crossval", description=__doc__)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("results/crossval"))
    parser.add_argument("--summary", type=Path, default=Path("docs/nlu-crossval.json"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    config = args.out / "config.yml"
    crossval_config(Path("config.yml"), config)
    rasa = Path(sys.executable).with_name("rasa")
    command = [str(rasa), "test", "nlu", "--cross-validation", "--folds", str(args.folds),
               "--nlu", "data/nlu", "--config", str(config), "--out", str(args.out),
               "--no-plot"]
    start = time.monotonic()
    code = subprocess.call(command)
    minutes = (time.monotonic() - start) / 60
    if code != 0:
        print(f"nlu_crossval: rasa test nlu failed with exit code {code}", file=sys.stderr)
        return code
    summary: dict[str, Any] = {
        "date": date.today().isoformat(),
        "folds": args.folds,
        "minutes": round(minutes, 1),
        "examples": count_examples(Path("data/nlu")),
        "fingerprint": data_fingerprint(),
    }
    for key, name in (("intent", "intent_report.json"),
                      ("response_selection", "response_selection_report.json")):
        path = args.out / name
        if path.exists():
            summary[key] = summarise_report(json.loads(path.read_text(encoding="utf-8")))
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"nlu_crossval: {args.folds} folds in {minutes:.1f} min; "
          + "; ".join(f"{k} accuracy {summary[k]['accuracy']:.3f}, macro F1 "
                      f"{summary[k]['macro_f1']:.3f}"
                      for k in ("intent", "response_selection") if k in summary)
          + f"; summary in {args.summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
