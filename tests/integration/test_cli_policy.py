"""Filing, checklists and the sweep through the real CLI, from a fresh import to a verified close."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}", draft=True)
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


def test_before_and_after_the_meeting(cli: Cli, tmp_path: Path) -> None:
    officer = ("--operator", "赵保密")
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert r.code == 1 and f"carrier-tracker meeting file {CODE}" in r.out

    r = cli("meeting", "file", CODE, "--ref", "保密办〔2026〕12号", "--date", "2026-12-01")
    assert r.code == 1 and "备案需保密负责人" in r.err  # 孙文管 is a custodian
    r = cli("meeting", "file", CODE, "--ref", "X", "--date", "2026-13-01", *officer)
    assert r.code == 2 and "不是有效日期" in r.err
    r = cli(
        "meeting",
        "file",
        CODE,
        "--ref",
        "保密办〔2026〕12号",
        "--date",
        "2026-12-01",
        "--plan-title",
        "2027 年度工作会议专项保密工作方案",
        *officer,
    )
    assert r.code == 0 and "已备案" in r.out and "专项保密工作方案" in r.out, r.err
    assert json.loads(cli("meetings", "--json").out)[0]["status"] == "filed"

    # Bad answers change nothing (exit 2).
    for bad in (["--set", "phones=maybe"], ["--set", "phones"], ["--set", "coffee=ok"], []):
        r = cli("checklist", CODE, "venue", *bad)
        assert r.code == 2 and r.err.startswith("错误："), (bad, r.err)
    data = json.loads(cli("checklist", CODE, "venue", "--json").out)
    assert not data["settled"] and all(i["answer"] is None for i in data["items"])

    r = cli("checklist", CODE, "venue", "--all", "符合", "--set", "wireless=不符合:两只无线话筒")
    assert r.code == 0 and "无线设备：不符合（两只无线话筒）" in r.out and "未完成 1 项" in r.out
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert r.code == 1 and "会场保密检查未完成" in r.out and "无线设备" in r.out
    r = cli("checklist", CODE, "venue", "--accept", "--note", "已改用有线话筒")
    assert r.code == 1 and "需保密负责人" in r.err
    r = cli(
        "checklist", CODE, "venue", "--accept", "wireless", "--note", "已改用有线话筒", *officer
    )
    assert r.code == 0 and "已由 赵保密 接受：已改用有线话筒" in r.out and "全部完成" in r.out

    # The meeting opens; a copy left in a guest room is found in the sweep.
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A001", copy_uid("HY-01", 1)).code == 0
    r = cli("tap", CODE, "--mode", "sweep", copy_uid("HY-01", 1))
    assert r.code == 1 and "检查地点" in r.out
    r = cli("tap", CODE, "--mode", "巡检", "--room", "客房 301", copy_uid("HY-01", 1))
    assert r.code == 0 and "（客房 301）" in r.out, r.out
    status = json.loads(cli("status", CODE, "--json").out)
    assert status["totals"]["copy"]["recovered"] == 1
    assert cli("tap", CODE, "--mode", "recall", pass_uid("A001")).code == 0

    r = cli("close", CODE)
    assert r.code == 1 and "会后清场检查未完成" in r.err and "rooms（客房）" in r.err
    r = cli("checklist", CODE, "sweep", "--all", "ok", "--set", "rooms=符合:301 房找到 HY-01 第1份")
    assert r.code == 0
    assert cli("close", CODE).code == 0
    assert cli("checklist", CODE, "sweep", "--set", "hall=ok").code == 1  # closed
    assert cli("verify", CODE).code == 0

    con = sqlite3.connect(tmp_path / "ct.db")
    con.execute("UPDATE checklistanswer SET answer = 'ok' WHERE item = 'wireless'")
    con.commit()
    con.close()
    r = cli("verify", CODE)
    assert r.code == 1 and "检查表 venue·wireless·答案" in r.out + r.err


def test_a_malformed_site_checklist_is_named(cli: Cli, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[[venue.items]]\nid = "guards"\nlabel = "警卫"\n', encoding="utf-8")
    cli.env["CARRIER_TRACKER_CHECKLISTS"] = str(site)
    r = cli("checklist", CODE, "venue", "--show")
    assert r.code == 2 and f"清单文件 {site}：venue 第 1 项（id=guards）：缺少 text" in r.err
    site.write_text(
        '[[venue.items]]\nid = "guards"\nlabel = "警卫"\ntext = "会场外警卫已就位"\n',
        encoding="utf-8",
    )
    r = cli("checklist", CODE, "venue", "--show")
    assert r.code == 0 and "guards" in r.out and "警卫：未作答" in r.out
