"""``operator bind-card`` and ``operator enable`` through the real command line: officers only,
each a system-chain event that ``verify`` replays, a card never a carrier's or another's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from carrier_tracker.storage.models import Operator, SystemEvent
from tests.integration.cli_helpers import CODE, Cli, pass_uid
from tests.integration.test_operators_cli import as_env, cli

__all__ = ["as_env", "cli"]  # the fixtures: the sample meeting, operators with PINs

CARD = "04A1B2C3D4E5F6"


def _path(cli: Cli) -> str:
    return cli.env["CARRIER_TRACKER_DB"].removeprefix("sqlite:///")


def _system(cli: Cli) -> list[tuple[str, str, str, str | None]]:
    with Session(create_engine(f"sqlite:///{_path(cli)}")) as s:
        rows = s.exec(select(SystemEvent).order_by(SystemEvent.seq)).all()
        return [(e.action, e.operator, e.subject, e.payload) for e in rows]


def _card(cli: Cli, name: str) -> str | None:
    with Session(create_engine(f"sqlite:///{_path(cli)}")) as s:
        return s.exec(select(Operator.card_uid).where(Operator.name == name)).one()


@pytest.mark.parametrize(("operator", "expected"), [("孙文管", 2), ("审计员", 2), ("赵保密", 0)])
def test_bind_card_and_enable_need_an_officer(
    cli: Cli, as_env: dict[str, str], operator: str, expected: int
) -> None:
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    assert cli("operator", "disable", "门岗").code == 0
    before = _system(cli)
    as_env["CARRIER_TRACKER_OPERATOR"] = operator
    bound = cli("operator", "bind-card", "赵保密", CARD.lower())
    enabled = cli("operator", "enable", "门岗")
    assert (bound.code, enabled.code) == (expected, expected), (bound.err, enabled.err)
    after = _system(cli)
    if expected:
        assert "需保密负责人" in bound.err or "只能查看" in bound.err
        assert _card(cli, "赵保密") is None
        assert after == before  # the right PIN, the wrong role: nothing to record
    else:
        assert bound.out == f"已为操作员 赵保密 绑定卡 {CARD}\n"
        assert enabled.out == "已启用操作员 门岗\n"
        assert [(a, by, who) for a, by, who, _ in after[len(before) :]] == [
            ("card_bound", "赵保密", "赵保密"),
            ("operator_enabled", "赵保密", "门岗"),
        ]
        assert _card(cli, "赵保密") == CARD
        as_env["CARRIER_TRACKER_OPERATOR"] = "门岗"
        assert cli("tap", CODE, "--mode", "issue", pass_uid("A001")).code == 0
    assert cli("verify").code == 0


def test_a_card_is_never_a_carrier_nor_another_operators(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    before = _system(cli)
    r = cli("operator", "bind-card", "赵保密", pass_uid("A001"))
    assert (r.code, r.err) == (
        2,
        f"错误：标签 {pass_uid('A001')} 已绑定为载体（文件或会议证），不能作为操作员卡\n",
    )
    assert cli("operator", "bind-card", "门岗", CARD).code == 0
    r = cli("operator", "bind-card", "赵保密", CARD)
    assert (r.code, r.err) == (2, f"错误：标签 {CARD} 已是操作员 门岗 的卡\n")
    r = cli("operator", "bind-card", "赵保密", "not-a-uid")
    assert r.code == 2 and "not-a-uid" in r.err
    r = cli("operator", "bind-card", "无此人", "04FFFFFFFFFFFF")
    assert (r.code, r.err) == (2, "错误：未登记的操作员：无此人\n")
    assert [a[0] for a in _system(cli)[len(before) :]] == ["card_bound"]
    assert _card(cli, "赵保密") is None


def test_enable_refuses_an_operator_in_use(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    r = cli("operator", "enable", "门岗")
    assert (r.code, r.err) == (2, "错误：操作员 门岗 未停用\n")


def test_verify_names_a_card_changed_in_sql(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    assert cli("operator", "bind-card", "赵保密", CARD).code == 0
    assert cli("verify").code == 0
    conn = sqlite3.connect(_path(cli))
    conn.execute("UPDATE operator SET card_uid = '04000000000001' WHERE name = '赵保密'")
    conn.execute("UPDATE operator SET card_uid = '04000000000002' WHERE name = '孙文管'")
    conn.commit()
    conn.close()
    r = cli("verify")
    assert r.code == 1
    assert "  操作员 赵保密·批准卡：台账为 04A1B2C3D4E5F6，数据库为 04000000000001\n" in r.out
    assert "  操作员 孙文管·批准卡：台账为 （空），数据库为 04000000000002\n" in r.out


def test_a_bad_lock_time_is_refused_before_the_desk_opens(cli: Cli, as_env: dict[str, str]) -> None:
    r = cli("tui", CODE, "--lock-after", "-1")
    assert (r.code, r.err) == (2, "错误：自动锁定时间须为不小于 0 的分钟数（--lock-after：-1.0）\n")
    as_env["CARRIER_TRACKER_LOCK_AFTER"] = "ten"
    r = cli("tui", CODE)
    assert (r.code, r.err) == (
        2,
        "错误：自动锁定时间须为不小于 0 的分钟数（CARRIER_TRACKER_LOCK_AFTER：ten）\n",
    )


def test_the_full_screen_commands_need_a_terminal(
    cli: Cli, as_env: dict[str, str], tmp_path: Path
) -> None:
    """Piped or run as a service, ``tui``, ``wall`` and ``demo`` say so and stop, instead of
    drawing their screen into a pipe with no one to answer it."""
    as_env["TMPDIR"] = str(tmp_path)
    for command in (("tui", CODE), ("wall", CODE), ("demo",)):
        r = cli(*command)
        assert (r.code, r.out) == (2, ""), command
        assert r.err == (
            f"错误：{command[0]} 是全屏界面，须在终端中运行（标准输入或输出不是终端）；"
            "无终端时可用 demo --script 或各命令行子命令\n"
        )
    assert not list(tmp_path.glob("carrier-tracker-demo-*"))  # the demo left nothing behind
