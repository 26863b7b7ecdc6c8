"""`make conversation-tests`: the conversation tests on a trained model, loaded once.

    python -m tools.conversation_tests [--model models/tenjo.tar.gz] [--stories tests]
                                       [--out results/conversations]

Two checks of the stories in `<stories>/test_*_stories.yml`:

1. the dialogue: Rasa's own evaluation (`rasa.core.test.test`, what `rasa test core`
   runs): given each story's intents, the model predicts every action of the story;
2. the messages: each `user:` message of a story with an `intent:` is understood as
   that label (for an FAQ question, its topic), right at once or after the paraphrase
   check (P5), as tools/nlu_report.py counts "served". `rasa test core` takes the
   story's intent as given, and its end-to-end mode also compares entities that only
   an end-to-end policy predicts (none here); without this check, examples that send
   a story's question to another topic would pass.

Writes `<out>/failed_test_stories.yml` (Rasa's) and `<out>/conversation_tests.json`
({"failed_stories": [...], "misunderstood": [{story, text, expected, understood}]});
exit 1 when a story or a message fails. An editor's publication runs it on the new
model before it reaches the assistant (tools/publish.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.nlu_report import predicted_label

RESULTS = "conversation_tests.json"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


@dataclass(frozen=True)
class StoryMessage:
    """A citizen's message of a story and the label the story gives it."""

    story: str
    text: str
    label: str


@dataclass(frozen=True)
class Misunderstood:
    """A story's message the model understood as another label."""

    story: str
    text: str
    expected: str
    understood: str


def story_files(stories: Path) -> list[Path]:
    """The conversation tests: a file, or a folder's test_*_stories.yml."""
    return [stories] if stories.is_file() else sorted(stories.glob("test_*_stories.yml"))


def plain_text(annotated: str) -> str:
    """A story's message without its entity marks: "soy [Ana](nombre)" → "soy Ana"."""
    return _ANNOTATION.sub(lambda found: found.group(1) or found.group(2), annotated).strip()


def story_messages(files: list[Path]) -> list[StoryMessage]:
    """Every `user:` step with an `intent:` of the stories, in order."""
    found = []
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for story in document.get("stories") or []:
            for step in story.get("steps") or []:
                if isinstance(step, dict) and step.get("user") and step.get("intent"):
                    found.append(StoryMessage(str(story.get("story")),
                                              plain_text(str(step["user"])),
                                              str(step["intent"]).strip()))
    return found


def misunderstood(messages: list[StoryMessage], parses: list[dict[str, Any]]
                  ) -> list[Misunderstood]:
    """The messages whose label (kept through the paraphrase check) is not the story's."""
    wrong = []
    for message, parse in zip(messages, parses, strict=True):
        label = predicted_label(parse).label
        if label != message.label:
            wrong.append(Misunderstood(message.story, message.text, message.label, label))
    return wrong


def failed_story_names(path: Path) -> list[str]:
    """The names of the stories in Rasa's failed_test_stories.yml."""
    if not path.exists():
        return []
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return []
    return [str(story.get("story")) for story in document.get("stories") or []
            if isinstance(story, dict) and story.get("story")]


async def run(model: Path, stories: Path, out: Path) -> dict[str, list]:
    """Both checks with one load of the model; what failed."""
    from rasa.core.agent import Agent
    from rasa.core.test import test as core_test

    out.mkdir(parents=True, exist_ok=True)
    agent = Agent.load(str(model))
    await core_test(str(stories), agent, out_directory=str(out),
                    fail_on_prediction_errors=False, disable_plotting=True)
    messages = story_messages(story_files(stories))
    parses = [await agent.parse_message(message.text) for message in messages]
    return {"failed_stories": failed_story_names(out / "failed_test_stories.yml"),
            "misunderstood": [asdict(item) for item in misunderstood(messages, parses)],
            "messages": len(messages)}


def main(argv: list[str] | None = None) -> int:
    """Runs both checks, prints what failed; 1 when anything did."""
    parser = argparse.ArgumentParser(prog="python -m tools.conversation_tests",
                                     description=__doc__)
    parser.add_argument("--model", type=Path, default=Path("models/tenjo.tar.gz"))
    parser.add_argument("--stories", type=Path, default=Path("tests"))
    parser.add_argument("--out", type=Path, default=Path("results/conversations"))
    args = parser.parse_args(argv)
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structlog debug lines (one per message parsed) would bury the verdicts.
    configure_structlog(logging.WARNING)
    results = asyncio.run(run(args.model, args.stories, args.out))
    (args.out / RESULTS).write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    for name in results["failed_stories"]:
        print(f"conversation_tests: story failed: {name}")
    for item in results["misunderstood"]:
        print(f"conversation_tests: message understood as {item['understood']}, "
              f"the story says {item['expected']}: «{item['text']}» ({item['story']})")
    failed = bool(results["failed_stories"] or results["misunderstood"])
    print(f"conversation_tests: {len(story_messages(story_files(args.stories)))} messages; "
          + ("problems found" if failed else "every story and message passed"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
