"""The command line's own hints: a refusal shared with the desk (and written to the ledger) names
no flag; the CLI adds the flag that supplies what was missing, and names the officer who
approved a custodian's step."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from carrier_tracker.storage.models import Event
from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid

APPROVER = "（文管员可加 --approver 请保密负责人批准）"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The sample meeting, filed and checked; commands run as the custodian 孙文管."""
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


def _last(cli: Cli) -> Event:
    url = cli.env["CARRIER_TRACKER_DB"]
    with Session(create_engine(url)) as s:
        return s.exec(select(Event).order_by(Event.seq.desc())).first()  # type: ignore[attr-defined]


def _tap_line(cli: Cli, *argv: str) -> tuple[int, str]:
    r = cli("tap", CODE, *argv)
    _uid, verdict, line = r.out.rstrip("\n").split("\t")
    return r.code, f"{verdict}\t{line}"


def _give(cli: Cli, attendee: str, *copies: str) -> None:
    assert cli("tap", CODE, "--mode", "issue", pass_uid(attendee)).code == 0
    for uid in copies:
        assert cli("tap", CODE, "--mode", "issue", "--attendee", attendee, uid).code == 0


@pytest.mark.parametrize(
    ("argv", "reason", "hint"),
    [
        (("--mode", "issue"), "请先选择领取人", "（用 --attendee 指定领取人）"),
        (("--mode", "dispatch"), "请先选择机要编号", "（用 --consignment 指定机要编号）"),
        (("--mode", "sweep"), "巡检请先填写检查地点", "（用 --room 指定检查地点）"),
        (
            ("--mode", "lost", "--approver", "赵保密"),
            "请填写说明",
            "（用 --note 填写说明）",
        ),
        (("--mode", "lost", "--note", "遗失"), "需保密负责人批准（当前操作员：孙文管）", APPROVER),
    ],
    ids=["attendee", "consignment", "room", "note", "approver"],
)
def test_a_refusal_for_something_not_given_names_the_flag(
    cli: Cli, argv: tuple[str, ...], reason: str, hint: str
) -> None:
    uid = copy_uid("HY-01", 1)
    _give(cli, "A001", uid)
    code, line = _tap_line(cli, *argv, uid)
    assert (code, line) == (1, f"拒绝\t{reason}{hint}")
    event = _last(cli)
    assert (event.verdict, event.reason) == ("refused", reason)  # the ledger: no front end's flag


def test_a_custodians_carry_out_names_the_flag_then_the_approver(cli: Cli) -> None:
    uid = copy_uid("HY-02", 1)
    _give(cli, "A003", uid)
    code, line = _tap_line(cli, "--mode", "carry-out", uid)
    assert (code, line) == (1, f"拒绝\t需保密负责人批准（当前操作员：孙文管）{APPROVER}")
    code, line = _tap_line(cli, "--mode", "carry-out", "--approver", "赵保密", uid)
    assert (code, line) == (0, "成功\t带离：HY-02 第001份 → 梁洋（保密负责人 赵保密 批准）")
    assert (_last(cli).operator, _last(cli).approver) == ("孙文管", "赵保密")
    # An officer operating needs no approver: none is recorded, none is named.
    code, line = _tap_line(
        cli, "--mode", "return", "--operator", "赵保密", "--approver", "赵保密", uid
    )
    assert (code, line) == (0, "成功\t退回：HY-02 第001份 ← 梁洋")
    assert _last(cli).approver == ""


def test_a_hint_is_given_only_where_a_flag_would_help(cli: Cli) -> None:
    """A refusal no flag lifts (the copy is with someone else) has no hint."""
    uid = copy_uid("HY-01", 1)
    _give(cli, "A001", uid)
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A002")).code == 0
    code, line = _tap_line(cli, "--mode", "issue", "--attendee", "A002", uid)
    assert (code, line) == (1, "拒绝\tHY-01 第001份 已发给 赵娟")


def test_a_custodians_close_with_exceptions_names_the_approver_flag(cli: Cli) -> None:
    uid = copy_uid("HY-06", 9)
    assert (
        cli("tap", CODE, "--mode", "lost", "--note", "遗失", "--approver", "赵保密", uid).code == 0
    )
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办")
    assert (r.code, r.err) == (
        1,
        f"带例外结束会议需保密负责人操作（当前操作员：孙文管）{APPROVER}\n",
    )
    assert _last(cli).action == "report_lost"  # nothing recorded by the refused close
    # With the officer's approval the close goes through and its output names the approver.
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办", "--approver", "赵保密")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[:2] == [f"会议 {CODE} 已结束", "  批准人（保密负责人）：赵保密"]


def test_a_custodians_change_and_plan_name_the_approver_flag(cli: Cli) -> None:
    uid = copy_uid("HY-01", 1)
    _give(cli, "A001", uid)
    r = cli("retag", CODE, uid, "04FFEEDDCCBBAA", "--note", "标签损坏")
    assert r.code == 1
    assert r.err.startswith(
        f"拒绝：为已发出的载体换标签需保密负责人批准（当前操作员：孙文管）{APPROVER}（已记入台账第"
    )
    assert _last(cli).reason == "为已发出的载体换标签需保密负责人批准（当前操作员：孙文管）"
    r = cli("plan", CODE, "HY-04", "--to", "A002")
    assert (r.code, r.out) == (
        1,
        f"拒绝\t修改分发范围需保密负责人批准（当前操作员：孙文管）{APPROVER}\n",
    )


def test_a_pass_whose_holder_lost_a_copy_comes_back_only_by_an_officers_exception(
    cli: Cli,
) -> None:
    uid = copy_uid("HY-01", 1)
    _give(cli, "A001", uid)
    assert (
        cli("tap", CODE, "--mode", "lost", "--note", "遗失", "--approver", "赵保密", uid).code == 0
    )
    code, line = _tap_line(cli, "--mode", "recall", pass_uid("A001"))
    assert (code, line) == (
        1,
        "拒绝\t赵娟 的 HY-01 第001份 已挂失、尚未找回，收回其会议证需保密负责人批准"
        "（保密负责人可加 --override 批准）",
    )
    argv = ("--mode", "recall", "--override", "--approver", "赵保密", pass_uid("A001"))
    code, line = _tap_line(cli, *argv)
    assert (code, line) == (
        0,
        "成功\t会后清退：会议证 P001（赵娟） ← 赵娟（保密负责人 赵保密 批准）",
    )
