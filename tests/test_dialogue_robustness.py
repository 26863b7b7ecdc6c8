"""Issue 17: every dialogue state × every kind of message gives one coherent turn.

The matrix (tools/dialogue_matrix.py) is generated from the domain, the rules and the
NLU data: a new state, intent or FAQ topic is a new row or column here without editing
this file. It runs once per test session against the trained model, in process (about
4 minutes, no servers); its full report is written to results/dialogue-matrix.md.
Marked `stack`: `make test` runs it after `make train`.
"""

from __future__ import annotations

import pytest

from tools import dialogue_matrix as dm

PAIRS = dm.pair_names()


@pytest.fixture(scope="session")
def matrix() -> dm.MatrixResult:
    """The whole matrix, run once; its report in results/dialogue-matrix.md."""
    if not dm.DEFAULT_MODEL.exists():
        pytest.fail(f"No trained model at {dm.DEFAULT_MODEL}: run `make train`.")
    dm._quiet_logs()
    result = dm.run_matrix()
    dm.DEFAULT_OUT.parent.mkdir(parents=True, exist_ok=True)
    dm.DEFAULT_OUT.write_text(dm.render(result), encoding="utf-8")
    return result


def _explain(pair: dm.PairResult) -> str:
    lines = [f"{failure.verdict}: {failure.detail}" for failure in pair.failures]
    for label, turn in (("turn", pair.turn), ("follow-up", pair.follow_up)):
        if turn is not None:
            lines += [f"  {label}: {dm._describe(turn)}"] + [
                f"    {line}" for line in turn.summary()]
    return "\n".join(lines)


@pytest.mark.stack
def test_every_state_is_reached_and_every_kind_has_an_example(matrix):
    unreached = {s.state.name: s.problems for s in matrix.states if s.problems}
    assert not unreached, unreached
    assert not matrix.general, [f"{f.verdict}: {f.detail}" for f in matrix.general]
    assert len(matrix.pairs) == len(PAIRS)


@pytest.mark.stack
@pytest.mark.parametrize("pair", PAIRS)
def test_the_turn_and_the_next_message_are_coherent(matrix, pair):
    result = {p.name: p for p in matrix.pairs}.get(pair)
    assert result is not None, f"{pair} did not run (see the test above)"
    assert not result.failures, _explain(result)
