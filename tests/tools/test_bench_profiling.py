"""A py-spy raw profile sums up into inclusive shares per category and top self frames."""

from __future__ import annotations

from bench.profiling import summarize_profile
from tools.stack import ROOT


def test_a_raw_profile_is_summed_up_by_category(tmp_path):
    raw = tmp_path / "profile-rasa.txt"
    raw.write_text("\n".join([
        "main (x.py:1);parse_message (/v/rasa/core/processor.py:10);"
        "call (/v/tensorflow/ops.py:5) 30",
        "main (x.py:1);save (/v/rasa/core/tracker_store.py:7) 10",
        f"main (x.py:1);handle ({ROOT}/channels/socketio.py:3);answer ({ROOT}/actions/faq.py:42) 6",
        f"main (x.py:1);handle ({ROOT}/channels/socketio.py:9) 4",
        "a line without a count",
    ]) + "\n")
    summary = summarize_profile(raw, seconds=1, rate=100)
    assert summary["samples"] == 50
    assert summary["busy_share_of_one_core"] == 0.5
    assert summary["categories"] == {
        "NLU pipeline (parse_message)": 60.0, "TensorFlow": 60.0, "tracker store: save": 20.0,
        # the socket.io handler wraps everything: only the frames it calls count as ours
        "our code, wrappers excluded (actions, addons, channels, store)": 12.0,
    }
    assert summary["top_self"] == [
        ("call (/v/tensorflow/ops.py)", 60.0), ("save (/v/rasa/core/tracker_store.py)", 20.0),
        ("answer (actions/faq.py)", 12.0), ("handle (channels/socketio.py)", 8.0)]


def test_an_empty_profile_has_no_shares(tmp_path):
    raw = tmp_path / "profile-actions.txt"
    raw.write_text("")
    assert summarize_profile(raw, seconds=20, rate=100) == {
        "samples": 0, "busy_share_of_one_core": 0.0, "categories": {}, "top_self": []}
