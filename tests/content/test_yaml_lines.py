"""content/yaml_lines.py: a node's lines, and a scalar rewritten in its own style."""

import pytest
import yaml

from content.yaml_lines import load_round_trip, node_span, replace_value

DOMAIN = """\
responses:
  # a comment before
  utter_a:
  - text: |-
      Uno.

      Dos.
    metadata: {x: 1}

  utter_b:
    - text: "comillas"
  # a comment after
  utter_c:
  - text: sin comillas"""


@pytest.mark.parametrize(
    ("first", "column", "lines"),
    [
        (2, 2, (2, 8)),  # utter_a: its list at the key's column, not the blank line after
        (3, 4, (3, 7)),  # its text, up to metadata
        (9, 2, (9, 11)),  # utter_b, not the comment
        (12, 2, (12, 14)),  # the last one, without a final line break
    ],
)
def test_node_span(first, column, lines):
    assert node_span(DOMAIN.splitlines(keepends=True), first, column) == lines


@pytest.mark.parametrize(
    ("name", "value", "written"),
    [
        ("utter_a", "Tres.\n\n|| Cuatro: cinco.",
         "  - text: |-\n      Tres.\n\n      || Cuatro: cinco.\n"),
        ("utter_b", 'con "comillas"', '    - text: "con \\"comillas\\""\n'),
        ("utter_c", "otra: cosa", "  - text: 'otra: cosa'"),
    ],
)
def test_replace_value_keeps_every_other_line(name, value, written):
    lines = DOMAIN.splitlines(keepends=True)
    node = load_round_trip(DOMAIN)["responses"][name][0]
    new = "".join(replace_value(lines, node, "text", value))
    assert written in new
    expected = yaml.safe_load(DOMAIN)
    expected["responses"][name][0]["text"] = value
    assert yaml.safe_load(new) == expected
    others = [line for line in lines if line not in "".join(lines[slice(*node_span(
        lines, *node.lc.key("text")))])]
    assert all(line in new for line in others)
