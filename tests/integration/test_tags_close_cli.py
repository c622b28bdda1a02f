"""Through the real CLI: tags refused while their meeting holds them and reused after
``close --release-tags``; a lost copy found after the close, verified and exported."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from carrier_tracker.paper.workbook_schema import ATTENDEES, TAGS
from carrier_tracker.storage.db import make_engine
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, Cli, copy_uid, make_sample, pass_uid
from tests.paper_tables import lines, summary, table

NEXT = "HY2027-01"


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}" if request.param == "sqlite" else fresh_pg_url("ct_tags")
    )
    c = Cli(tmp_path / "home", url)
    c.db_url = url  # type: ignore[attr-defined]
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    untagged = tmp_path / "next.xlsx"  # the next meeting, imported before its tags are bound
    make_sample.build(untagged, 3, 50, NEXT)
    wb = openpyxl.load_workbook(untagged)
    for row in wb[ATTENDEES.name].iter_rows(min_row=2):
        row[7].value = None
    wb[TAGS.name].delete_rows(2, wb[TAGS.name].max_row)
    wb.save(untagged)
    r = c("import", str(untagged))
    assert r.code == 0, r.err
    return c


def test_tags_are_refused_until_close_releases_them(cli: Cli) -> None:
    copy3, pass1 = copy_uid("HY-01", 3), pass_uid("A001")
    r = cli("bind", NEXT, "D0001", "1", copy3)
    assert r.code == 2 and f"标签 {copy3} 已绑定：HY2026-12 HY-01 第003份" in r.err
    r = cli("bind-pass", NEXT, "A001", pass1)
    assert r.code == 2 and f"标签 {pass1} 已绑定：HY2026-12 会议证 P001 " in r.err
    # The same meeting's other carrier.
    assert cli("bind", NEXT, "D0001", "5", "04AABBCCDDEEFF").code == 0
    r = cli("bind", NEXT, "D0001", "6", "04aabbccddeeff")
    assert r.code == 2 and "标签 04AABBCCDDEEFF 已绑定：HY2027-01 D0001 第005份" in r.err

    # The sample meeting runs and closes, releasing its copy tags too.
    assert cli("tap", CODE, "--mode", "issue", pass1).code == 0
    assert cli("tap", CODE, "--mode", "recall", pass1).code == 0
    r = cli("close", CODE, "--release-tags")
    assert r.code == 0, r.err
    assert "已释放标签：会议证 40 枚，文件" in r.out

    assert cli("bind", NEXT, "D0001", "1", copy3).code == 0
    assert cli("bind-pass", NEXT, "A001", pass1).code == 0
    r = cli("tap", NEXT, "--mode", "issue", pass1)
    assert r.code == 0 and "成功" in r.out
    r = cli("tap", NEXT, "--mode", "issue", "--attendee", "A001", copy3)
    assert r.code == 0 and "D0001 第001份" in r.out
    # At the closed meeting's desk the same UIDs are still its own carriers: refused as closed.
    r = cli("tap", CODE, "--mode", "recall", copy3, pass1)
    assert r.code == 1 and r.out.count("会议已结束") == 2
    status = json.loads(cli("status", NEXT, "--json").out)
    assert status["counts"]["outstanding"] == 2
    for code in (CODE, NEXT):
        assert cli("verify", code).code == 0, code

    # Un-releasing a tag in SQL (to take it back) is named by verify.
    engine = make_engine(cli.db_url)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE carrier SET tag_released = :f WHERE tag_uid = :u"),
            {"f": False, "u": pass_uid("A002")},
        )
    engine.dispose()
    r = cli("verify", CODE)
    assert r.code == 1 and "标签已释放：台账为 是，数据库为 否" in r.out + r.err


def test_close_without_release_tags_keeps_copy_tags(cli: Cli, tmp_path: Path) -> None:
    # A workbook naming a pass tag the open meeting holds is refused, saying where it is bound.
    book = tmp_path / "third.xlsx"
    make_sample.build(book, 3, 50, "HY2027-02")
    wb = openpyxl.load_workbook(book)
    wb[ATTENDEES.name]["H2"].value = pass_uid("A003")
    wb[TAGS.name].delete_rows(2, wb[TAGS.name].max_row)
    wb.save(book)
    r = cli("import", str(book))
    assert (
        r.code == 2
        and f"标签 {pass_uid('A003')} 已在数据库中绑定（已绑定：HY2026-12 会议证 P003 " in r.err
    )

    assert cli("tap", CODE, "--mode", "issue", pass_uid("A002")).code == 0
    assert cli("tap", CODE, "--mode", "recall", pass_uid("A002")).code == 0
    r = cli("close", CODE)
    assert r.code == 0 and "已释放标签：会议证 40 枚，文件 0 枚" in r.out
    r = cli("import", str(book))
    assert r.code == 0, r.err
    assert cli("bind-pass", NEXT, "A002", pass_uid("A002")).code == 0
    r = cli("bind", NEXT, "D0001", "2", copy_uid("HY-02", 1))
    assert r.code == 2 and "已绑定：HY2026-12 HY-02 第001份" in r.err


def test_lost_copy_found_after_close(cli: Cli, tmp_path: Path) -> None:
    copy3 = copy_uid("HY-01", 3)
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy3).code == 0
    r = cli("tap", CODE, "--mode", "lost", "--operator", "赵保密", "--note", "会场遗失", copy3)
    assert r.code == 0, r.out
    # The holder of a lost copy hands in their pass only by an officer's exception (docs/custody.md)
    assert cli("tap", CODE, "--mode", "recall", pass_uid("A001")).code == 1
    recall = ("tap", CODE, "--mode", "recall", "--override", "--operator", "赵保密")
    assert cli(*recall, pass_uid("A001")).code == 0
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办", "--operator", "赵保密")
    assert r.code == 0, r.err
    # Nothing else is recorded after the close …
    r = cli("tap", CODE, "--mode", "recall", copy3)
    assert r.code == 1 and "会议已结束" in r.out
    # … but the find is, and the meeting stays closed.
    r = cli("tap", CODE, "--mode", "found", "--note", "保洁在会场拾到", copy3)
    assert r.code == 0 and "会后找回，会议 HY2026-12 仍为已结束" in r.out, r.out
    status = json.loads(cli("status", CODE, "--json").out)
    assert status["meeting"]["status"] == "closed" and status["counts"]["lost"] == 0
    assert cli("verify", CODE).code == 0

    out = tmp_path / "export.xlsx"
    assert cli("export", CODE, "-o", str(out)).code == 0
    wb = openpyxl.load_workbook(out)
    log = table(wb["操作日志"])
    last = log[-1]
    assert last[5] == "会后找回" and last[6] == "HY-01 第003份" and last[11] == "保洁在会场拾到"
    close_rows = [row for row in log if row[5] == "会议结束"]
    assert len(close_rows) == 1 and close_rows[0][0] < last[0]
    outstanding = table(wb["未收回清单"])
    found = [row for row in outstanding if row[7] == "会后找回"]
    assert len(found) == 1 and found[0][1] == "A001" and found[0][5:7] == ("HY-01", "003")
    assert found[0][0] == 1  # numbered like every row (nothing else is outstanding)
    register = {(row[1], row[4]): row for row in table(wb["文件发放回收登记表"])}
    assert "会后找回" in register[("HY-01", "003")][14]
    assert "挂失：会场遗失" in register[("HY-01", "003")][14]
    assert register[("HY-01", "003")][12] == "已收回"
    assert summary(wb["汇总"])["会议状态"] == "已结束"
    assert any("结束时挂失，会后已找回" in x for x in lines(wb["汇总"]))
