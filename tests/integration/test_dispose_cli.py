"""Disposition (处置) through the real CLI, on SQLite and PostgreSQL: 归档, 销毁 before a
witness and 退回发文单位 of recovered copies, also after the close; refusals recorded and named;
bad input exit 2 with nothing written; ``status --disposition``, ``meetings``, the export's
处置登记 sheet and the forms; ``void`` by an officer; verify re-decides each and names a row
edited in SQL."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text

from carrier_tracker.storage.db import make_engine
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, PIN, Cli, copy_uid, pass_uid

WITNESS_ENV = "CARRIER_TRACKER_WITNESS_PIN"
HOLDERS = ("A001", "A002", "A003", "A004")
"""Each gets copy n of HY-01 (n = 1..4) and hands it back: four recovered copies."""


def _cli(url: str, home: Path) -> Cli:
    c = Cli(home, url)
    c.db_url = url  # type: ignore[attr-defined]
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    for n, who in enumerate(HOLDERS, start=1):
        assert c("tap", CODE, "--mode", "issue", "--override", pass_uid(who)).code == 0
        r = c("tap", CODE, "--mode", "issue", "--attendee", who, copy_uid("HY-01", n))
        assert r.code == 0, r.out + r.err
        r = c("tap", CODE, "--mode", "recall", copy_uid("HY-01", n), pass_uid(who))
        assert r.code == 0, r.out + r.err
    return c


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = (
        f"sqlite:///{tmp_path / 'ct.db'}"
        if request.param == "sqlite"
        else fresh_pg_url("ct_dispose")
    )
    return _cli(url, tmp_path / "home")


def events(cli: Cli) -> int:
    line = cli("verify", CODE).out
    return int(line.split("事件 ")[1].split()[0])


def as_officer(cli: Cli, *args: str) -> tuple[int, str]:
    r = cli(*args, "--operator", "赵保密")
    return r.code, r.out + r.err


def sql(cli: Cli, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = make_engine(cli.db_url)  # type: ignore[attr-defined]
    with engine.begin() as conn:
        result = conn.execute(text(statement), params)
        rows = [tuple(r) for r in result] if result.returns_rows else []
    engine.dispose()
    return rows


def test_dispositions_accepted_refused_voided_and_verified(cli: Cli, tmp_path: Path) -> None:
    c1, c2 = copy_uid("HY-01", 1), copy_uid("HY-01", 2)
    # Refused and recorded: nothing recovered is in the state asked (copy 5 never left the desk).
    r = cli("dispose", CODE, "--return-to", "党政办公室", copy_uid("HY-01", 5))
    assert r.code == 1 and "HY-01 第005份 当前在库：只有已收回的文件才能处置" in r.err
    # An archive nobody registered.
    r = cli("dispose", CODE, "--archive", "--location", "档案室", c1)
    assert r.code == 1 and "未登记的归档地点：档案室" in r.err
    assert as_officer(cli, "place", "add", "--archive", "档案室")[0] == 0
    assert "档案室" in cli("place", "list").out
    # A unit neither the organiser nor registered.
    r = cli("dispose", CODE, "--return-to", "某研究所", c1)
    assert r.code == 1 and "未登记的退回单位：某研究所" in r.err and "党政办公室" in r.err
    # Destruction: no witness, the operator as witness, nobody an officer.
    cli.env[WITNESS_ENV] = PIN
    r = cli("dispose", CODE, "--destroy", "--method", "粉碎", c2)
    assert r.code == 1 and "销毁须有监销人" in r.err
    r = cli("dispose", CODE, "--destroy", "--method", "粉碎", "--witness", "孙文管", c2)
    assert r.code == 1 and "监销人 孙文管 就是经办人" in r.err
    r = cli("dispose", CODE, "--destroy", "--method", "粉碎", "--witness", "门岗", c2)
    assert r.code == 1 and "经办人 孙文管 与监销人 门岗 均不是保密负责人" in r.err
    # A witness that is no registered operator is refused too.
    r = cli("dispose", CODE, "--destroy", "--method", "粉碎", "--witness", "钱某", c2)
    assert r.code != 0
    assert sql(cli, "SELECT count(*) FROM disposition") == [(0,)]

    # Accepted: archived (by UID), destroyed before an officer, returned to the organiser.
    r = cli("dispose", CODE, "--archive", "--location", "档案室", c1)
    assert r.code == 0 and "归档：1 份（HY-01 第001份），存放于 档案室；释放标签 1 个" in r.out
    r = cli("dispose", CODE, "--destroy", "--method", "化浆", "--witness", "赵保密", c2)
    assert r.code == 0 and "销毁：1 份（HY-01 第002份），化浆，监销人 赵保密" in r.out
    assert sql(cli, "SELECT count(*) FROM carrier WHERE tag_uid = :u AND tag_released", u=c2) == [
        (1,)
    ]
    # A disposed copy is final: disposing of it again names its state; a tap refuses it.
    r = cli("dispose", CODE, "--archive", "--location", "档案室", c1)
    assert r.code == 1 and "HY-01 第001份 当前已归档" in r.err
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A001", c1).code == 1

    status = json.loads(cli("status", CODE, "--disposition", "--json").out)
    assert status["waiting_total"] == 2 and status["waiting"][0]["copies"] == [3, 4]
    assert status["disposed"] == {"archive": 1, "destroy": 1, "return": 0}

    # Also after the close; the meetings list shows what waits.
    assert cli("close", CODE).code == 0
    assert "待处置 2" in cli("meetings").out
    r = cli("dispose", CODE, "--return-to", "党政办公室", "--document", "HY-01")
    assert (
        r.code == 0
        and "退回发文单位：2 份（HY-01 第003份、HY-01 第004份），退回 党政办公室" in r.out
    )
    # the document's copies never handed out are named as left, the first few
    assert "未处置 " in r.out and "HY-01 第005份（在库）" in r.out and " 等" in r.out, r.out
    assert "待处置 0" in cli("meetings").out
    r = cli("dispose", CODE, "--archive", "--location", "档案室", "--all-recovered")
    assert r.code == 1 and "会议 HY2026-12 没有待处置（已收回）的文件份" in r.err
    assert cli("verify", CODE).code == 0

    # A mistaken disposition is voided by an officer: its copy is recovered again.
    seq = int(sql(cli, "SELECT seq FROM disposition WHERE kind = 'return' LIMIT 1")[0][0])
    r = cli("void", CODE, str(seq), "--note", "退错了")
    assert r.code == 1  # 孙文管 is no officer
    code, out = as_officer(cli, "void", CODE, str(seq), "--note", "退错了")
    assert code == 0 and "2 份恢复为已收回" in out, out
    count = events(cli)  # once more: said before any PIN is asked for, nothing recorded
    bare = Cli(Path(cli.env["CARRIER_TRACKER_HOME"]), cli.env["CARRIER_TRACKER_DB"])
    bare.env = {k: v for k, v in cli.env.items() if not k.endswith("_PIN")}
    r = bare("void", CODE, str(seq), "--note", "退错了", "--approver", "赵保密")
    assert r.code == 1 and f"第 {seq} 条已由第 {count} 条撤销（未核验口令，未记入台账）" in r.err
    assert events(cli) == count
    assert json.loads(cli("status", CODE, "--disposition", "--json").out)["waiting_total"] == 2
    assert cli("verify", CODE).code == 0

    # The paper: the export's 处置登记 sheet, the forms' 销毁登记表 and 归档清单.
    book = tmp_path / "x.xlsx"
    assert cli("export", CODE, "-o", str(book)).code == 0
    sheet = openpyxl.load_workbook(book, read_only=True)["处置登记"]
    cells = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "档案室" in cells and "化浆" in cells and "赵保密" in cells
    assert cells.count("待处置") == 2
    forms = tmp_path / "f.xlsx"
    r = cli("forms", CODE, "-o", str(forms))
    assert r.code == 0 and "销毁登记表 1 行" in r.out and "归档清单 1 行" in r.out, r.out
    wb = openpyxl.load_workbook(forms, read_only=True)
    destroyed = [str(v) for row in wb["销毁登记表"].iter_rows(values_only=True) for v in row if v]
    assert "涉密载体销毁登记表" in destroyed and "化浆" in destroyed and "赵保密" in destroyed
    assert any(v.startswith("监销人（签名）") for v in destroyed)
    assert any(v.startswith("保密负责人（签名）") for v in destroyed)
    kept = [str(v) for row in wb["归档清单"].iter_rows(values_only=True) for v in row if v]
    assert "档案室" in kept and any(v.startswith("档案接收人（签名）") for v in kept)

    # A disposition row edited in SQL is named by verify.
    sql(cli, "UPDATE disposition SET location = '别处' WHERE kind = 'archive'")
    r = cli("verify", CODE)
    assert r.code == 1 and "别处" in r.out + r.err, r.out + r.err


def test_witness_pin_from_stdin_and_a_wrong_one(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    c3 = copy_uid("HY-01", 3)
    before = events(cli)
    monkeypatch.setattr("sys.stdin", io.StringIO("000000\n"))
    r = cli(
        "dispose", CODE, "--destroy", "--method", "焚毁", "--witness", "赵保密",
        "--witness-pin-stdin", c3,
    )  # fmt: skip
    assert r.code != 0 and "PIN" in r.err
    assert sql(cli, "SELECT count(*) FROM disposition") == [(0,)]
    assert events(cli) == before  # the meeting's ledger is untouched (the failure is the system's)
    monkeypatch.setattr("sys.stdin", io.StringIO(PIN + "\n"))
    r = cli(
        "dispose", CODE, "--destroy", "--method", "焚毁", "--witness", "赵保密",
        "--witness-pin-stdin", c3,
    )  # fmt: skip
    assert r.code == 0 and "焚毁，监销人 赵保密" in r.out
    # The officer destroys with a custodian as witness.
    cli.env[WITNESS_ENV] = PIN
    r = cli(
        "dispose", CODE, "--destroy", "--method", "送销毁中心", "--witness", "孙文管",
        "--operator", "赵保密", copy_uid("HY-01", 4),
    )  # fmt: skip
    assert r.code == 0, r.err
    # Both PINs on stdin: the operator's own first, then the witness's.
    del cli.env[WITNESS_ENV], cli.env["CARRIER_TRACKER_PIN"]
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PIN}\n{PIN}\n"))
    r = cli(
        "dispose", CODE, "--destroy", "--method", "粉碎", "--witness", "赵保密",
        "--pin-stdin", "--witness-pin-stdin", copy_uid("HY-01", 1),
    )  # fmt: skip
    assert r.code == 0 and "HY-01 第001份" in r.out, r.err
    assert cli("verify", CODE).code == 0


BAD = [
    (["dispose", CODE, "--archive", "--location", "档案室"], "三者选一"),
    (["dispose", CODE, "--archive", "--location", "档案室", "--all-recovered", "--document", "HY-01"], "三者选一"),
    (["dispose", CODE, "--archive", "--all-recovered"], "--location"),
    (["dispose", CODE, "--destroy", "--all-recovered", "--witness", "赵保密"], "--method"),
    (["dispose", CODE, "--destroy", "--method", "撕掉", "--all-recovered"], "撕掉"),
    (["dispose", CODE, "--archive", "--location", "档案室", "--witness", "赵保密", "--all-recovered"], "只有销毁需要监销人"),
    (["dispose", CODE, "--archive", "--return-to", "党政办公室", "--all-recovered"], "--return-to"),
    (["dispose", CODE, "--all-recovered"], "--archive"),
    (["dispose", "NOPE", "--archive", "--location", "档案室", "--all-recovered"], "无此会议代号：NOPE"),
    (["dispose", CODE, "--archive", "--location", "档案室", "ZZ"], "ZZ"),
    (["dispose", CODE, "--archive", "--location", "档案室", "04FFEEDDCCBBAA"], "没有绑定标签 04FFEEDDCCBBAA"),
    (["dispose", CODE, "--archive", "--location", "档案室", pass_uid("A001")], "会议证不作处置"),
    (["dispose", CODE, "--archive", "--location", "档案室", "--document", "HY-99"], "HY-99"),
    (["dispose", CODE, "--archive", "--location", "档" * 101, "--all-recovered"], "--location"),
    (["dispose", CODE, "--archive", "--location", " ", "--all-recovered"], "--location"),
    (["dispose", CODE, "--return-to", " ", "--all-recovered"], "--return-to"),
    (["dispose", CODE, "--destroy", "--method", "粉碎", "--witness", " ", "--all-recovered"], "--witness"),
]  # fmt: skip


@pytest.fixture(scope="module")
def untouched(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    folder = tmp_path_factory.mktemp("bad")
    return _cli(f"sqlite:///{folder / 'ct.db'}", folder / "home")


@pytest.mark.parametrize(("argv", "names"), BAD)
def test_bad_input_exits_2_and_writes_nothing(untouched: Cli, argv: list[str], names: str) -> None:
    before = events(untouched)
    untouched.env[WITNESS_ENV] = PIN
    r = untouched(*argv)
    assert r.code == 2, (r.out, r.err)
    assert names in r.err, r.err
    assert events(untouched) == before
    assert sql(untouched, "SELECT count(*) FROM disposition") == [(0,)]


def test_places_are_registered_by_an_officer_once(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert cli("init").code == 0
    r = cli("place", "add", "--archive", "档案室")  # 孙文管 is a custodian
    assert r.code != 0 and "孙文管" in r.err
    assert "尚未登记归档地点或退回单位" in cli("place", "list").out
    for argv, names in (
        (["place", "add", "--archive", "  "], "归档地点"),
        (["place", "add", "--unit", "某" * 201], "退回单位"),
        (["place", "add"], "--archive"),
    ):
        r = cli(*argv, "--operator", "赵保密")
        assert r.code == 2 and names in r.err, (argv, r.err)
    assert json.loads(cli("place", "list", "--json").out) == []
    assert as_officer(cli, "place", "add", "--unit", "某研究所")[0] == 0
    code, out = as_officer(cli, "place", "add", "--unit", "某研究所")
    assert code == 2 and "退回单位 某研究所 已登记" in out
    rows = json.loads(cli("place", "list", "--json").out)
    assert [(p["kind"], p["name"], p["added_by"]) for p in rows] == [("unit", "某研究所", "赵保密")]
    assert cli("verify").code == 0
