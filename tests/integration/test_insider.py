"""An insider with the database but not the key: each single SQL statement that used to go
unnoticed now makes ``verify`` exit 1 naming the row, and ``close`` refuse — on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from carrier_tracker.storage import db
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid

OFFICER = "赵保密"  # the sample meeting's 保密负责人


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}"
        if request.param == "sqlite"
        else fresh_pg_url("ct_insider")
    )
    c = Cli(tmp_path / "home", url)
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    # A meeting in progress: A001 (local) holds HY-01 第001份; A003 (out of town) HY-03 第001份.
    assert c("tap", CODE, "--mode", "issue", pass_uid("A001"), pass_uid("A003")).code == 0
    assert c("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 1)).code == 0
    assert c("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-03", 1)).code == 0
    assert c("verify", CODE).code == 0
    return c


def _sql(cli: Cli, statement: str) -> None:
    engine = db.make_engine(cli.env["CARRIER_TRACKER_DB"])
    with engine.begin() as conn:
        conn.execute(text(statement))
    engine.dispose()


def _copy_id(doc: str, n: int) -> str:
    return f"(SELECT c.id FROM carrier c JOIN document d ON d.id = c.document_id WHERE d.number = '{doc}' AND c.copy_number = {n})"


CASES = [
    (
        "copy returned behind the ledger",
        f"UPDATE carrier SET state = 'recovered', holder_id = NULL WHERE id = {_copy_id('HY-01', 1)}",
        "HY-01 第001份：台账为 已发放（赵娟），数据库为 已收回",
    ),
    (
        "blank tag takes a copy's place",
        f"UPDATE carrier SET tag_uid = '04FFFFFFFFFFFF' WHERE id = {_copy_id('HY-01', 2)}",
        "HY-01 第002份·标签：台账为 {uid}，数据库为 04FFFFFFFFFFFF",
    ),
    (
        "clearance raised",
        "UPDATE attendee SET clearance = '绝密' WHERE code = 'A002'",
        "·知悉范围：台账为 机密，数据库为 绝密",
    ),
    (
        "document made take-away",
        "UPDATE document SET may_take_away = NOT may_take_away WHERE number = 'HY-01'",
        "HY-01·允许带离：",
    ),
    (
        "local attendee made out of town",
        "UPDATE attendee SET out_of_town = NOT out_of_town WHERE code = 'A001'",
        "·外地代表：",
    ),
    (
        "attendee renamed",
        "UPDATE attendee SET name = '假名字' WHERE code = 'A001'",
        "A001 赵娟·姓名：台账为 赵娟，数据库为 假名字",
    ),
    (
        "meeting status rewritten",
        "UPDATE meeting SET status = 'filed'",
        "会议状态：台账为 进行中，数据库为 已备案",
    ),
    (
        "meeting status set to a value that does not exist",
        "UPDATE meeting SET status = 'planned'",
        "会议状态：台账为 进行中，数据库为 planned",
    ),
    (
        "a copy slipped in behind the ledger",
        "INSERT INTO carrier (id, meeting_id, kind, document_id, copy_number, state, version,"
        " tag_released) SELECT 9999, meeting_id, kind, document_id, 999, state, version,"
        f" tag_released FROM carrier WHERE id = {_copy_id('HY-01', 3)}",
        "载体#9999：台账为 不存在，数据库为 存在",
    ),
    (
        "filing rewritten",
        "UPDATE meeting SET filed_ref = '保密办〔2026〕99号'",
        "会议·备案编号：台账为 保密办〔2026〕12号，数据库为 保密办〔2026〕99号",
    ),
]


@pytest.mark.parametrize(
    ("statement", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_single_statement_is_caught(cli: Cli, statement: str, expected: str) -> None:
    _sql(cli, statement)
    r = cli("verify", CODE)
    assert r.code == 1, r.out
    assert expected.replace("{uid}", copy_uid("HY-01", 2)) in r.out, r.out
    assert "完整" not in r.out.splitlines()[0]
    r = cli("close", CODE, "--operator", OFFICER)
    assert r.code == 1 and "数据库与台账不符，不能结束会议" in r.err, r.err


def test_everything_set_recovered_cannot_close_or_export_clean(cli: Cli, tmp_path: Path) -> None:
    _sql(cli, "UPDATE carrier SET state = 'recovered', holder_id = NULL WHERE state = 'issued'")
    r = cli("close", CODE, "--operator", OFFICER)
    assert r.code == 1 and "数据库与台账不符" in r.err
    r = cli("export", CODE, "-o", str(tmp_path / "out.xlsx"))
    assert r.code == 1 and "校验未通过" in r.out


def test_reopened_meeting_refuses_taps_and_verify_names_it(cli: Cli) -> None:
    for mode in ("recall",):
        assert (
            cli(
                "tap",
                CODE,
                "--mode",
                mode,
                copy_uid("HY-01", 1),
                copy_uid("HY-03", 1),
                pass_uid("A001"),
                pass_uid("A003"),
            ).code
            == 0
        )
    assert cli("close", CODE, "--operator", OFFICER).code == 0
    _sql(cli, "UPDATE meeting SET status = 'open'")
    r = cli("verify", CODE)
    assert r.code == 1 and "会议状态：台账为 已结束，数据库为 进行中" in r.out


def test_anchor_proves_the_chain_still_holds_that_point(cli: Cli) -> None:
    r = cli("close", CODE, "--operator", OFFICER)
    assert r.code == 1  # copies are out; nothing closes
    out = cli("verify", CODE).out.split("\t")
    count, head = int(out[1].split()[1]), out[2].split()[1]
    assert cli("verify", CODE, "--anchor", f"{count}:{head}").code == 0
    assert cli("tap", CODE, "--mode", "recall", copy_uid("HY-01", 1)).code == 0
    assert cli("verify", CODE, "--anchor", head).code == 0  # still in the longer chain
    # Rewrite history: delete the tail after the anchor and re-point the head (no key) —
    # the head MAC catches it; an anchor past the end is not found.
    r = cli("verify", CODE, "--anchor", f"{count + 1}:{'0' * 64}")
    assert r.code == 1 and "不在当前完整的台账中" in r.out
    r = cli("verify", CODE, "--anchor", "nothex")
    assert r.code == 2 and "锚点格式错误" in r.err
