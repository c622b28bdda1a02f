"""The demo tray's filter (``tap_entry.matches``): the labels holding every typed word, those
holding each as a whole word first — held to the plain statement of that rule on random trays."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carrier_tracker.tui.widgets.tap_entry import matches, searchable


def reference(items: list[tuple[str, str]], text: str) -> list[tuple[str, str]]:
    """The rule as first written: every word in the upper-cased label; whole words first."""
    words = text.upper().split()
    labels = [label.upper() for label, _uid in items]
    found = [i for i, label in enumerate(labels) if all(w in label for w in words)]
    exact = [i for i in found if set(words) <= set(labels[i].split())]
    return [items[i] for i in exact] + [items[i] for i in found if i not in set(exact)]


chars = st.sampled_from(list("aAbB01 -\t第份证张"))
labels = st.text(chars, max_size=12)
trays = st.lists(st.tuples(labels, st.text("0123456789ABCDEF", min_size=1, max_size=4)))


@given(trays, st.text(chars, max_size=6))
def test_matches_the_rule(items: list[tuple[str, str]], text: str) -> None:
    prepared = [searchable(label) for label, _uid in items]
    assert matches(items, text, prepared) == reference(items, text)
    assert matches(items, text) == reference(items, text)


def test_whole_words_first() -> None:
    items = [("HY-01 第001份", "1"), ("会议证 01 张三", "2"), ("会议证 A001 张三", "3")]
    assert matches(items, "01") == [items[1], items[0], items[2]]
    assert matches(items, "a001") == [items[2]]
    assert matches(items, "hy-01  第001份") == [items[0]]
    assert matches(items, "张三 会议证") == [items[1], items[2]]
    assert matches(items, "") == items
