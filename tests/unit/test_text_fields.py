"""Text at entry: code normalisation, the checks, and limits that fit every column."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, String
from sqlmodel import SQLModel

from carrier_tracker import text_fields as tf
from carrier_tracker.errors import TextError
from carrier_tracker.storage import models  # noqa: F401  (registers tables)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("HY2026-12", "HY2026-12"),
        ("ＨＹ２０２６－１２", "HY2026-12"),  # full width
        ("HY2026\u200b-12", "HY2026-12"),  # zero-width space
        ("\ufeffHY2026-12\u2060", "HY2026-12"),  # BOM, word joiner
        (" HY 2026-12\t\n", "HY2026-12"),  # white space anywhere
        ("HY2026\u202e-12", "HY2026-12"),  # bidi override
        ("HY2026\x1b-12\x00", "HY2026-12"),  # control characters
        ("A\ufe0f001", "A001"),  # variation selector
        ("\u200b\u200c\u200d", ""),
        ("会议\u3000甲", "会议甲"),  # ideographic space
    ],
)
def test_normalize_code(raw: str, code: str) -> None:
    assert tf.normalize_code(raw) == code


@given(st.text())
def test_normalize_code_is_idempotent_and_leaves_nothing_invisible(raw: str) -> None:
    once = tf.normalize_code(raw)
    assert tf.normalize_code(once) == once
    assert not any(ch.isspace() for ch in once)
    tf.check_text("x", once, 10**9)  # no control, format or surrogate character survives


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("x" * 101, "操作员过长：101 个字符，最多 100 个"),
        ("", "操作员不能为空"),
        ("  \u3000", "操作员不能为空"),
        ("张\x07三", "操作员含控制字符或不可见字符 U+0007（第 2 个字符），请删除后重试"),
        ("张三\u200b", "操作员含控制字符或不可见字符 U+200B（第 3 个字符），请删除后重试"),
        ("\u202e张三", "操作员含控制字符或不可见字符 U+202E（第 1 个字符），请删除后重试"),
        (
            "张\udcff",
            "操作员含控制字符或不可见字符 U+DCFF（第 2 个字符），请删除后重试",
        ),  # undecodable byte
        (
            "张\u2028三",
            "操作员含控制字符或不可见字符 U+2028（第 2 个字符），请删除后重试",
        ),  # line separator
    ],
)
def test_check_text_refuses(value: str, message: str) -> None:
    with pytest.raises(TextError) as err:
        tf.check_text("操作员", value, 100, required=True)
    assert str(err.value) == message


def test_check_text_accepts_and_trims() -> None:
    assert tf.check_text("操作员", "  赵保密 ", 100, required=True) == "赵保密"
    assert tf.check_text("说明", '=HYPERLINK("x")', 1000) == '=HYPERLINK("x")'  # formulas are text
    assert tf.check_text("操作员", "x" * 100, 100) == "x" * 100
    assert tf.check_text("说明", "", 1000) == ""


def test_check_code_normalises_then_measures() -> None:
    assert tf.check_code("机要编号", "ＪＹ－００１\u200b", 64) == "JY-001"
    with pytest.raises(TextError, match="机要编号不能为空"):
        tf.check_code("机要编号", "\u200b", 64)
    with pytest.raises(TextError, match="过长：65 个字符"):
        tf.check_code("机要编号", "K" * 65, 64)


def test_check_consignment_and_who() -> None:
    assert tf.check_consignment(number=" ＪＹ-1 ", unit=" 某所 ", recipient="") == (
        "JY-1",
        "某所",
        "",
    )
    with pytest.raises(TextError, match="接收单位不能为空"):
        tf.check_consignment(number="JY-1", unit=" ")
    with pytest.raises(TextError, match="工作台过长"):
        tf.check_who(station="s" * 101)
    with pytest.raises(TextError, match="说明含控制字符"):
        tf.check_who(note="a\x1b[2J")


def test_printable_escapes_and_shortens() -> None:
    assert tf.printable("a\x1b[2Jb\u200b") == "a\\x1b[2Jb\\u200b"
    assert tf.printable("名" * 100, 10) == "名" * 10 + "…（共 100 个字符）"
    assert tf.printable("\udcff") == "\\udcff"


def _is_text(column: Column[Any]) -> bool:
    col_type = getattr(column.type, "impl", column.type)  # sqlmodel's AutoString decorates String
    return isinstance(col_type, String)


def test_every_limit_fits_its_column() -> None:
    """A value that passes the entry check never reaches the database too long, on either backend."""
    tables = SQLModel.metadata.tables
    for name, limit in tf.COLUMN_LIMITS.items():
        table, column = name.split(".")
        col = tables[table].c[column]
        assert _is_text(col), name
        length = getattr(col.type, "length", None)
        assert length is None or limit <= length, name


def test_every_text_column_a_person_fills_has_a_limit() -> None:
    """Bounded text columns are either listed (a person fills them) or written by the program."""
    program_written = {
        "level",
        "clearance",
        "status",
        "kind",
        "state",
        "action",
        "verdict",
        "from_state",
        "to_state",
        "tag_uid",
        "prev_hash",
        "hash",
        "role",
        "reader",
        "reason",
        "payload",
        "mac",
        "card_uid",
        "uid",  # retiredtag: normalised UIDs
        "operator_pin",  # event: digests of PIN hashes (carrier_tracker.ledger.chain.pin_digest)
        "approver_pin",
        "replaced_by",
        "plan",  # canonical JSON of existing attendee codes and units (carrier_tracker.custody.plan)
        "checklist",  # checklists: names and item ids come from the checklist files
        "item",
        "answer",
        "method",  # disposition: a DestroyMethod value
    }
    tables = SQLModel.metadata.tables
    for table in tables.values():
        for column in table.c:
            if _is_text(column) and column.name not in program_written:
                assert f"{table.name}.{column.name}" in tf.COLUMN_LIMITS or table.name in (
                    "station",
                    "setting",
                ), f"{table.name}.{column.name}"


@given(st.text(max_size=8))
def test_check_text_refuses_exactly_the_invisible_categories(value: str) -> None:
    """Refused when, and only when, the trimmed text holds a control, format, surrogate or
    line/paragraph separator character (the printable fast path skips nothing it must see)."""
    import unicodedata

    bad = any(unicodedata.category(ch) in tf._INVISIBLE_CATEGORIES for ch in value.strip())
    try:
        tf.check_text("字段", value, 100)
    except TextError:
        assert bad
    else:
        assert not bad
