"""Keyboard mash against words and names (addons/word_shape.py)."""

import pytest

from addons.word_shape import looks_like_mash


@pytest.mark.parametrize("word", ["asdf", "qwer", "fdsa", "lkjh", "zxcvv", "asdkjh", "xzcvb",
                                  "kdjf", "q" * 21, "tssssrt"])
def test_mash(word):
    assert looks_like_mash(word)


@pytest.mark.parametrize("word", ["ana", "yeison", "xiomara", "nanez", "jhon", "fredy",
                                  "schneider", "predial", "y", "lyz"])
def test_words_and_names(word):
    assert not looks_like_mash(word)
