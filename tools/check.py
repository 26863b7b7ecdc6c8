"""`make check`: what an editor's change must pass, on the project or on a copy of it.

    python -m tools.check [--root .]

Rasa's data validation, the protocol's writing style, the FAQ coverage and the fact
sheet, run side by side; every check's output is printed in this order, then the
verdict (exit 1 when any check found a problem). A publication (tools/publish.py)
runs the same checks on its copy of the project.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

CODE_ROOT = Path(__file__).resolve().parent.parent
VERDICT = "make check: problems found (file:line: item: rule above)"


@dataclass(frozen=True)
class CheckResult:
    """One check's heading, exit status and output (stdout and stderr)."""

    heading: str
    status: int
    output: str

    @property
    def passed(self) -> bool:
        """The check found nothing."""
        return self.status == 0


def commands(root: Path) -> list[tuple[str, list[str]]]:
    """Each check's heading and command, for the project at `root`."""
    python = sys.executable
    rasa = str(Path(python).with_name("rasa"))
    root = root.resolve()
    domain, data, config = str(root / "domain.yml"), str(root / "data"), str(root / "config.yml")
    return [
        ("rasa data validate",
         [rasa, "data", "validate", "--quiet", "--domain", domain, "--data", data,
          "--config", config]),
        ("style (tools/style_lint.py)", [python, "-m", "tools.style_lint", domain]),
        ("coverage (tools/coverage_check.py)",
         [python, "-m", "tools.coverage_check", "--root", str(root)]),
        ("facts (tools/facts_check.py)",
         [python, "-m", "tools.facts_check", "--domain", domain,
          "--facts", str(root / "data" / "facts.yml")]),
    ]


def run_checks(root: Path) -> list[CheckResult]:
    """Runs every check at once (from the code's folder, as `make check` does)."""
    started = [(heading, subprocess.Popen(command, cwd=CODE_ROOT, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True))
               for heading, command in commands(root)]
    results = []
    for heading, process in started:
        output, _ = process.communicate()
        results.append(CheckResult(heading, process.returncode, output))
    return results


def main(argv: list[str] | None = None) -> int:
    """Prints each check's output under its heading, then the verdict."""
    parser = argparse.ArgumentParser(prog="python -m tools.check", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    results = run_checks(args.root)
    for result in results:
        print(f"== {result.heading}")
        print(result.output, end="" if result.output.endswith("\n") or not result.output else "\n")
    if all(result.passed for result in results):
        return 0
    print(VERDICT)
    return 1


if __name__ == "__main__":
    sys.exit(main())
