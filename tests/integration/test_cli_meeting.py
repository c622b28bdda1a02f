"""End to end through the real CLI: import the sample and walk a whole meeting to its close."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    url = f"sqlite:///{tmp_path / 'ct.db'}" if request.param == "sqlite" else fresh_pg_url("ct_cli")
    return Cli(tmp_path / "home", url)


def test_whole_meeting(cli: Cli) -> None:
    r = cli("meetings")
    assert r.code == 2 and "carrier-tracker init" in r.err
    assert cli("init").code == 0
    r = cli("import", str(SAMPLE))
    assert r.code == 0, r.err
    assert "已导入会议 HY2026-12：人员 40，文件 8" in r.out
    assert json.loads(cli("meetings", "--json").out)[0]["code"] == CODE

    # Passes first: documents are refused without one at a 机密 meeting.
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 1))
    assert r.code == 1 and "尚未领取会议证" in r.out
    assert "--override" not in r.out  # no officer's exception lifts this refusal: none offered
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"), pass_uid("A003"))
    assert r.code == 0 and r.out.count("成功") == 2
    r = cli("tap", CODE, "--mode", "entrance", pass_uid("A001"), pass_uid("A002"))
    assert r.code == 1 and "准予入场" in r.out and "未发放，不得入场" in r.out

    # Issue, and a second desk trying the same copy for someone else.
    r = cli(
        "tap",
        CODE,
        "--mode",
        "issue",
        "--attendee",
        "A001",
        copy_uid("HY-01", 1),
        copy_uid("HY-03", 1),
    )
    assert r.code == 0, r.out
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-01", 1))
    assert r.code == 1 and "HY-01 第001份 已发给" in r.out
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-02", 1)).code == 0

    # Break: collect the 公用性 copy, then give it back to the remembered holder.
    assert cli("tap", CODE, "--mode", "collect", copy_uid("HY-01", 1)).code == 0
    status = json.loads(cli("status", CODE, "--json").out)
    assert status["totals"]["copy"]["collected"] == 1
    r = cli("tap", CODE, "--mode", "reissue", copy_uid("HY-01", 1))
    assert r.code == 0 and "复会发还" in r.out

    # A courier leg.
    assert (
        cli(
            "consignment",
            CODE,
            "JY-2026-001",
            "--unit",
            "北京有色金属研究总院",
            "--recipient",
            "钱七",
        ).code
        == 0
    )
    assert (
        cli(
            "tap", CODE, "--mode", "dispatch", "--consignment", "JY-2026-001", copy_uid("HY-05", 1)
        ).code
        == 0
    )
    # Take-away by the out-of-town delegate A003, approved by the officer.
    r = cli("tap", CODE, "--mode", "carry-out", copy_uid("HY-02", 1))
    assert r.code == 1 and "需保密负责人批准" in r.out
    assert (
        cli("tap", CODE, "--mode", "carry-out", "--operator", "赵保密", copy_uid("HY-02", 1)).code
        == 0
    )

    # Close is refused while anything is out, naming it.
    r = cli("close", CODE)
    assert r.code == 1
    assert (
        "尚有 6 件未收回" in r.err and "HY-02 第001份  已带离" in r.err and "JY-2026-001" in r.err
    )

    status = json.loads(cli("status", CODE, "--json").out)
    assert status["outstanding"] == 6
    a001 = next(a for a in status["attendees"] if a["code"] == "A001")
    assert sorted((i["kind"], i["document"], i["copy"], i["state"]) for i in a001["items"]) == [
        ("copy", "HY-01", 1, "issued"),
        ("copy", "HY-03", 1, "issued"),
        ("pass", None, None, "issued"),
    ]
    assert status["in_transit"][0]["consignment"] == "JY-2026-001"

    # Courier receipt, take-away returned, recall, passes back.
    assert cli("tap", CODE, "--mode", "deliver", copy_uid("HY-05", 1)).code == 0
    assert cli("tap", CODE, "--mode", "return", copy_uid("HY-02", 1)).code == 0
    r = cli(
        "tap",
        CODE,
        "--mode",
        "recall",
        copy_uid("HY-01", 1),
        copy_uid("HY-03", 1),
        pass_uid("A001"),
        pass_uid("A003"),
    )
    assert r.code == 0 and r.out.count("成功") == 4
    r = cli("tap", CODE, "--mode", "recall", copy_uid("HY-01", 1))
    assert r.code == 0 and "无需操作" in r.out

    status = json.loads(cli("status", CODE, "--json").out)
    assert status["outstanding"] == 0 and status["totals"]["copy"]["delivered"] == 1
    assert "全部收回" in cli("status", CODE).out
    r = cli("close", CODE)
    assert r.code == 0, r.err
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 2))
    assert r.code == 1 and "会议已结束" in r.out
    r = cli("verify", CODE)
    assert r.code == 0 and "完整" in r.out and "头哈希" in r.out


def test_lost_item_needs_exceptions(cli: Cli) -> None:
    cli("init")
    cli("import", str(SAMPLE))
    assert (
        cli(
            "tap",
            CODE,
            "--mode",
            "lost",
            "--operator",
            "赵保密",
            "--note",
            "会场未找到",
            copy_uid("HY-08", 5),
        ).code
        == 0
    )
    r = cli("close", CODE)
    assert r.code == 1 and "有 1 件挂失" in r.err
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办")
    assert r.code == 1 and "需保密负责人" in r.err  # operator 孙文管 is no officer
    r = cli("close", CODE, "--with-exceptions")
    assert r.code == 2 and "--note" in r.err
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办", "--operator", "赵保密")
    assert r.code == 0, r.err
    assert json.loads(cli("meetings", "--json").out)[0]["status"] == "closed"


def test_input_errors_exit_2_without_traceback(cli: Cli) -> None:
    cli.subprocess = True  # exit codes and stderr of the real process
    cli("init")
    cli("import", str(SAMPLE))
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "A001", "nothex")
    assert r.code == 2 and "标签 UID 格式错误：nothex" in r.err
    r = cli("tap", "NOPE", "--mode", "recall", copy_uid("HY-01", 1))
    assert r.code == 2 and "无此会议代号：NOPE" in r.err
    r = cli("tap", CODE, "--mode", "fly", copy_uid("HY-01", 1))
    assert r.code == 2 and "无此操作方式：fly" in r.err and "recall/会后清退" in r.err
    r = cli("tap", CODE, "--mode", "issue", "--attendee", "Z999", copy_uid("HY-01", 1))
    assert r.code == 2 and "无参会人员 Z999" in r.err
    # A mode that reads no attendee still names a mistyped one, before any tap.
    r = cli("tap", CODE, "--mode", "recall", "--attendee", "Z999", copy_uid("HY-01", 1))
    assert r.code == 2 and "无参会人员 Z999" in r.err and not r.out
    r = cli("bind", CODE, "HY-01", "1", copy_uid("HY-01", 2))
    assert r.code == 2 and "已绑定" in r.err
    r = cli("bind", CODE, "HY-99", "1", "04AABBCCDDEEFF")
    assert r.code == 2 and "无文件编号 HY-99" in r.err
    r = cli("import", "/nonexistent.xlsx")
    assert r.code == 2 and "找不到文件" in r.err
    # A workbook that would be refused is named before anyone types a PIN (or an officer's).
    bare = copy.copy(cli)
    bare.env = {k: v for k, v in cli.env.items() if not k.endswith("_PIN")}
    r = bare("import", str(SAMPLE), "--approver", "赵保密")  # the meeting is there already
    assert r.code == 2 and CODE in r.err and "PIN" not in r.err, r.err
    # A batch with one bad UID taps nothing.
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A005"), "zz")
    assert r.code == 2
    assert json.loads(cli("status", CODE, "--json").out)["outstanding"] == 0


def test_bind_and_verify_all(cli: Cli, tmp_path: Path) -> None:
    cli("init")
    r = cli("template", str(tmp_path / "t.xlsx"))
    assert r.code == 0 and (tmp_path / "t.xlsx").exists()
    assert cli("template", str(tmp_path / "t.xlsx")).code == 2  # no silent overwrite
    cli("import", str(SAMPLE))
    # Unbind is not a thing; bind a fresh copy via a new consignment-free path: reuse a pass.
    r = cli("bind-pass", CODE, "A001", pass_uid("A001"))
    assert r.code == 0 and "原已绑定" in r.out
    r = cli("verify")
    assert r.code == 0 and r.out.startswith(CODE)


def test_a_tap_checks_the_pin_while_the_database_layer_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the PIN in the environment and an SQLite file, ``tap`` starts the argon2 check
    before importing the database layer, and the sign-in uses that one check (not a second)."""
    from carrier_tracker.access import pin_check

    cli = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert cli("init").code == 0
    assert cli("import", str(SAMPLE)).code == 0
    started: list[str] = []
    checked: list[str] = []
    start, verify = pin_check.start_early, pin_check.verify

    def spy_start(path: Path, name: str, pin: str, key_file: Path | None = None) -> None:
        started.append(name)
        start(path, name, pin, key_file)

    def spy_verify(stored: bytes, pin: str, **kw: Any) -> bool:
        checked.append(pin)
        return verify(stored, pin, **kw)

    monkeypatch.setattr(pin_check, "start_early", spy_start)
    monkeypatch.setattr(pin_check, "verify", spy_verify)
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert r.code == 0, r.out + r.err
    assert started == ["孙文管"] and len(checked) == 1
    # A wrong PIN from the environment is refused as ever (the early check decides nothing).
    cli.env["CARRIER_TRACKER_PIN"] = "999999"
    r = cli("tap", CODE, "--mode", "recall", pass_uid("A001"))
    assert r.code != 0 and "PIN" in r.err
