"""The 载体 screen's search (``tui/screens/copies.py``): each row found by what it shows and how
people write it — copy numbers with or without 第/份 and zeros, UIDs with separators."""

from __future__ import annotations

from carrier_tracker.enums import CarrierKind, State
from carrier_tracker.storage.queries import CarrierRow
from carrier_tracker.tui.screens.copies import compact, listed, search_words
from carrier_tracker.tui.widgets.tap_entry import matches


def _copy(number: str, n: int, uid: str, holder: tuple[str, str] | None = None) -> CarrierRow:
    name, code = holder or (None, None)
    return CarrierRow(
        CarrierKind.COPY, number, n, "年度计划", "机密", None, None, None,
        State.ISSUED if holder else State.REGISTERED, name, code, None, uid,
    )  # fmt: skip


PASS = CarrierRow(
    kind=CarrierKind.PASS, number=None, copy=None, title=None, level=None,
    pass_number="P003", owner_code="A003", owner_name="梁洋",
    state=State.ISSUED, holder_name="梁洋", holder_code="A003", since=None, uid="04CCCCCCCCCCCC",
)  # fmt: skip
ROWS = [
    _copy("HY-01", 2, "04250265B672BB", ("赵娟", "A001")),
    _copy("HY-01", 20, "04AAAAAAAAAAAA"),
    _copy("12-05", 2, "04BBBBBBBBBBBB"),
    PASS,
]


def found(text: str) -> list[str]:
    listing = listed(ROWS)
    return [item for item, _i in matches(listing.items, search_words(text), listing.texts)]


def test_compact_strips_separators_of_hex_words_only() -> None:
    assert compact("04:25:02:65:b6") == "04250265B6"
    assert compact("04-25") == "0425" and compact("0425") == "0425"
    assert compact("HY-01") == "HY-01" and compact("第002") == "第002"


def test_a_copy_by_its_label_however_written() -> None:
    assert found("HY-01 第002") == ["HY-01 第002份"]
    assert found("hy-01 第2份") == ["HY-01 第002份"]
    assert found("HY-01 2")[0] == "HY-01 第002份"  # the whole word first, then 第020份
    assert found("第002") == ["HY-01 第002份", "12-05 第002份"]


def test_uids_holders_passes_and_numbers_of_hex() -> None:
    assert found("04:25:02:65:b6") == found("04250265b6") == ["HY-01 第002份"]
    assert found("A001") == found("赵娟") == ["HY-01 第002份"]
    assert found("P003") == found("a003") == ["会议证 P003（梁洋）"]
    assert found("12-05") == found("1205") == ["12-05 第002份"]  # a number looking like hex
    assert found("赵娟 HY-01 第020") == []  # every word must match
