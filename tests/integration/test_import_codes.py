"""Codes are unique in any letter case (lookups ignore it): the import refuses case variants within
a workbook and against existing meetings, and so does every command that creates a code; the
import's problems are listed in the workbook's row order."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from carrier_tracker.errors import ImportProblems
from carrier_tracker.paper.importer import SHEETS, import_workbook
from carrier_tracker.storage.models import Carrier, Document, Meeting
from carrier_tracker.text_fields import code_key
from tests.conftest import SAMPLE
from tests.data.make_corpus import base_rows, save, workbook
from tests.integration.cli_helpers import CODE, Cli


def _refused(session: Session, key: bytes, path: Path) -> ImportProblems:
    with pytest.raises(ImportProblems) as err:
        import_workbook(session=session, key=key, path=path)
    session.rollback()
    return err.value


def test_code_key_folds_case_after_nfkc() -> None:
    assert code_key("ＨＹ２０２６－１２") == code_key("hy2026-12") == code_key("HY2026-12\u200b")
    assert code_key("A001") != code_key("A0O1")


def test_case_variants_within_a_workbook_are_duplicates(
    session: Session, key: bytes, tmp_path: Path
) -> None:
    rows = base_rows()
    rows["参会人员"][2][0] = "a001"  # A001 is row 2
    rows["参会人员"][3][6] = "p001"  # P001 is row 2
    rows["文件"][2][0] = "f-01"  # F-01 is row 2
    path = tmp_path / "case.xlsx"
    save(workbook(rows), path)
    problems = [str(p) for p in _refused(session, key, path).problems]
    assert problems == [
        "参会人员 第3行 [人员编号]：人员编号 a001 与第2行的 A001 只差字母大小写，视为重复（编号不分大小写）",
        "参会人员 第4行 [会议证号]：会议证号 p001 与第2行的 P001 只差字母大小写，视为重复（编号不分大小写）",
        "文件 第3行 [文件编号]：文件编号 f-01 与第2行的 F-01 只差字母大小写，视为重复（编号不分大小写）",
        "标签绑定 第4行 [文件编号]：文件编号 F-02 不在“文件”表中",  # row 3 is no longer F-02
    ]
    assert session.exec(select(func.count()).select_from(Meeting)).one() == 0


def test_a_tag_row_names_its_document_in_any_case(
    session: Session, key: bytes, tmp_path: Path
) -> None:
    rows = base_rows()
    rows["标签绑定"][3][0] = "f-02"
    path = tmp_path / "tags.xlsx"
    save(workbook(rows), path)
    import_workbook(session=session, key=key, path=path)
    session.commit()
    bound = session.exec(
        select(Carrier.tag_uid).join(Document).where(Document.number == "F-02")
    ).one()
    assert bound == "04C1C2C3C4C5C3"


def test_a_meeting_code_in_another_case_is_taken(
    session: Session, key: bytes, tmp_path: Path
) -> None:
    first = tmp_path / "first.xlsx"
    save(workbook(base_rows()), first)
    import_workbook(session=session, key=key, path=first)
    session.commit()
    rows = base_rows()
    rows["会议"][1][0] = "t1"
    for person in rows["参会人员"][1:]:  # no tags: only the code can clash
        person[7] = None
    del rows["标签绑定"][1:]
    second = tmp_path / "second.xlsx"
    save(workbook(rows), second)
    problems = [str(p) for p in _refused(session, key, second).problems]
    assert problems == [
        "会议 第2行 [会议代号]：会议代号 t1 与已有的“T1”在规范化（字母大小写、全角/半角、不可见字符）后相同，请换一个"
    ]
    assert session.exec(select(Meeting.code)).all() == ["T1"]


def test_reimporting_the_sample_lists_problems_in_row_order(session: Session, key: bytes) -> None:
    import_workbook(session=session, key=key, path=SAMPLE)
    session.commit()
    problems = _refused(session, key, SAMPLE).problems
    order = {spec.name: i for i, spec in enumerate(SHEETS)}
    where = [(order[p.sheet], p.row or 0) for p in problems]  # type: ignore[attr-defined]
    assert where == sorted(where)
    assert [(p.sheet, p.row) for p in problems[:3]] == [  # type: ignore[attr-defined]
        ("会议", 2),
        ("参会人员", 2),
        ("参会人员", 3),
    ]
    assert len(problems) == 1 + 40 + 225


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


PERSON = ("--name", "周七", "--unit", "某研究所", "--clearance", "机密")


def test_commands_that_create_a_code_refuse_a_case_variant(cli: Cli) -> None:
    r = cli("attendee", "add", CODE, "a001", *PERSON)
    assert r.code == 1 and "会议 HY2026-12 已有参会人员 A001（赵娟）" in r.err
    r = cli("attendee", "add", CODE, "A050", *PERSON, "--pass-number", "p001")
    assert r.code == 1 and "会议证号 P001 已属于 A001 赵娟" in r.err
    r = cli("attendee", "substitute", CODE, "A003", "a002", *PERSON, "--operator", "赵保密")
    assert r.code == 1 and "已有参会人员 A002" in r.err
    assert cli("consignment", CODE, "JY-9", "--unit", "某单位").code == 0
    r = cli("consignment", CODE, "jy-9", "--unit", "某单位")
    assert (r.code, r.err) == (
        2,
        "错误：机要编号 jy-9 与已有的“JY-9”在规范化（字母大小写、全角/半角、不可见字符）后相同，请换一个\n",
    )
    assert "A050" not in cli("status", CODE, "--json").out
