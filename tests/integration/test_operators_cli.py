"""Accountable operators through the real command line: roles, PINs, lockout, approvals, and the
system chain that ``verify`` replays."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from carrier_tracker.storage.models import Event, SystemEvent
from tests.conftest import SAMPLE
from tests.integration.cli_helpers import CODE, PIN, ROOT, Cli, copy_uid, pass_uid


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The sample meeting; operators 赵保密 (officer), 孙文管 and 门岗 (custodians), 审计员
    (auditor), all with PIN 246810; commands run as 孙文管."""
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


def _db(cli: Cli) -> str:
    return cli.env["CARRIER_TRACKER_DB"].removeprefix("sqlite:///")


def _events(cli: Cli) -> list[Event]:
    with Session(create_engine(f"sqlite:///{_db(cli)}")) as s:
        return list(s.exec(select(Event).order_by(Event.seq)).all())


SETUP = ("import", "file", "check")
"""What the fixture's import and paperwork (filing, venue check, sweep) record."""


def _after_setup(cli: Cli) -> list[str]:
    """The meeting's events after the fixture's own (the import and its paperwork)."""
    actions = [e.action for e in _events(cli)]
    assert actions[:2] == ["import", "file"] and set(actions) >= {"check"}, actions
    return [a for a in actions if a not in SETUP]


def _system(cli: Cli) -> list[tuple[str, str, str]]:
    with Session(create_engine(f"sqlite:///{_db(cli)}")) as s:
        rows = s.exec(select(SystemEvent).order_by(SystemEvent.seq)).all()
        return [(e.action, e.subject, e.note) for e in rows]


@pytest.fixture
def as_env(cli: Cli) -> Iterator[dict[str, str]]:
    """Change the environment of the next commands; restored afterwards."""
    saved = dict(cli.env)
    yield cli.env
    cli.env.clear()
    cli.env.update(saved)


# (command, {role: expected exit}) — 0 allowed, 2 refused before anything is recorded.
ROLE_MATRIX: list[tuple[tuple[str, ...], dict[str, int]]] = [
    (("tap", CODE, "--mode", "issue", "{PASS}"), {"孙文管": 0, "赵保密": 0, "审计员": 2}),
    (
        ("consignment", CODE, "{CONS}", "--unit", "某单位"),
        {"孙文管": 0, "赵保密": 0, "审计员": 2},
    ),
    (("bind-pass", CODE, "A001", pass_uid("A001")), {"孙文管": 0, "赵保密": 0, "审计员": 2}),
    (("operator", "add", "{NEW}", "--role", "custodian"), {"孙文管": 2, "赵保密": 0, "审计员": 2}),
    (("operator", "reset-pin", "门岗"), {"孙文管": 2, "赵保密": 0, "审计员": 2}),
    (("status", CODE), {"孙文管": 0, "赵保密": 0, "审计员": 0}),
    (("verify",), {"孙文管": 0, "赵保密": 0, "审计员": 0}),
    (("operator", "list"), {"孙文管": 0, "赵保密": 0, "审计员": 0}),
    (("export", CODE, "-o", "{OUT}"), {"孙文管": 0, "赵保密": 0, "审计员": 0}),
]


def test_each_role_may_do_what_it_should_and_nothing_else(
    cli: Cli, as_env: dict[str, str], tmp_path: Path
) -> None:
    passes = iter(["A001", "A002", "A003", "A005", "A006", "A007", "A008", "A009"])
    n = 0
    for argv, by_role in ROLE_MATRIX:
        for operator, expected in by_role.items():
            n += 1
            as_env["CARRIER_TRACKER_OPERATOR"] = operator
            filled = [
                a.replace("{PASS}", pass_uid(next(passes)) if a == "{PASS}" else a)
                .replace("{CONS}", f"JY-{n}")
                .replace("{NEW}", f"新人{n}")
                .replace("{OUT}", str(tmp_path / f"x{n}.xlsx"))
                for a in argv
            ]
            before = len(_events(cli))
            r = cli(*filled)
            assert r.code == expected, (operator, filled, r.err)
            if expected == 2:
                assert len(r.err.splitlines()) == 1, r.err
                assert len(_events(cli)) == before
                if operator == "审计员":
                    assert "审计员 审计员 只能查看、导出与校验，不能记录操作" in r.err
                else:
                    assert "需保密负责人：孙文管 为文管员" in r.err


def test_an_auditor_cannot_tap(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_OPERATOR"] = "审计员"
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert (r.code, r.err) == (2, "错误：审计员 审计员 只能查看、导出与校验，不能记录操作\n")
    assert _after_setup(cli) == []


def test_wrong_pin_records_only_the_attempt(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_PIN"] = "999999"
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert r.code == 2
    assert r.err == "错误：PIN 不正确（操作员 孙文管，连续第 1 次；5 次将锁定 15 分钟）\n"
    assert _after_setup(cli) == []
    assert _system(cli)[-1] == ("auth_failed", "孙文管", "wrong_pin")
    as_env["CARRIER_TRACKER_OPERATOR"] = "无名氏"
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert r.code == 2 and r.err.startswith("错误：未登记的操作员：无名氏")
    assert _system(cli)[-1] == ("auth_failed", "无名氏", "unknown")
    assert cli("verify").code == 0


def test_no_pin_without_a_terminal_is_a_clear_error(cli: Cli, as_env: dict[str, str]) -> None:
    del as_env["CARRIER_TRACKER_PIN"]
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert r.code == 2
    assert r.err.startswith("错误：需要操作员 孙文管 的 PIN：设置环境变量 CARRIER_TRACKER_PIN")
    env = {k: v for k, v in cli.env.items() if k != "CARRIER_TRACKER_PIN"}
    argv = ["tap", CODE, "--mode", "issue", "--pin-stdin", pass_uid("A001")]
    p = subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", *argv],
        input=f"{PIN}\n",
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr


def test_operator_and_approver_pins_from_stdin_one_line_each(cli: Cli) -> None:
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A003")).code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-02", 1)).code == 0
    env = {k: v for k, v in cli.env.items() if not k.endswith("_PIN")}
    argv = ["tap", CODE, "--mode", "carry-out", "--pin-stdin", "--approver", "赵保密"]
    argv += ["--approver-pin-stdin", copy_uid("HY-02", 1)]
    p = subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", *argv],
        input=f"{PIN}\n{PIN}\n",
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    assert (_events(cli)[-1].operator, _events(cli)[-1].approver) == ("孙文管", "赵保密")


def test_spoofing_the_officer_without_the_pin_is_refused_and_recorded(
    cli: Cli, as_env: dict[str, str]
) -> None:
    as_env.update(CARRIER_TRACKER_OPERATOR="赵保密", CARRIER_TRACKER_NEW_PIN="135790")
    assert cli("operator", "reset-pin", "赵保密").code == 0  # the officer's own PIN now differs
    as_env.update(CARRIER_TRACKER_OPERATOR="孙文管")  # the custodian's PIN, the officer's name
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A003")).code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-02", 1)).code == 0
    before = len(_events(cli))
    r = cli("tap", CODE, "--mode", "carry-out", "--operator", "赵保密", copy_uid("HY-02", 1))
    assert r.code == 2 and r.err.startswith("错误：PIN 不正确（操作员 赵保密")
    assert len(_events(cli)) == before
    assert _system(cli)[-1] == ("auth_failed", "赵保密", "wrong_pin")
    r = cli("tap", CODE, "--mode", "carry-out", "--approver", "赵保密", copy_uid("HY-02", 1))
    assert r.code == 2 and "PIN 不正确（操作员 赵保密" in r.err
    assert len(_events(cli)) == before


def test_a_custodian_gets_approvals_from_an_officer(cli: Cli, as_env: dict[str, str]) -> None:
    assert cli("tap", CODE, "--mode", "issue", pass_uid("A003")).code == 0
    assert cli("tap", CODE, "--mode", "issue", "--attendee", "A003", copy_uid("HY-02", 1)).code == 0
    uid = copy_uid("HY-02", 1)
    r = cli("tap", CODE, "--mode", "carry-out", uid)
    assert r.code == 1 and "需保密负责人批准（当前操作员：孙文管）" in r.out
    r = cli("tap", CODE, "--mode", "carry-out", "--approver", "门岗", uid)
    assert (r.code, r.err) == (2, "错误：批准人 门岗 不是保密负责人（为文管员）\n")
    r = cli("tap", CODE, "--mode", "carry-out", "--approver", "赵保密", uid)
    assert r.code == 0, r.out + r.err
    last = _events(cli)[-1]
    assert (last.action, last.verdict, last.operator, last.approver) == (
        "carry_out",
        "accepted",
        "孙文管",
        "赵保密",
    )
    # an officer at the desk needs no second person, and none is recorded
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    assert cli("tap", CODE, "--mode", "return", uid).code == 0
    r = cli("tap", CODE, "--mode", "lost", "--note", "遗失", copy_uid("HY-06", 9))
    assert r.code == 0 and _events(cli)[-1].approver == ""


def test_a_custodian_closes_with_exceptions_only_with_an_approver(cli: Cli) -> None:
    uid = copy_uid("HY-06", 9)
    assert cli("tap", CODE, "--mode", "lost", "--note", "遗失", uid).code == 1
    r = cli("tap", CODE, "--mode", "lost", "--note", "遗失", "--approver", "赵保密", uid)
    assert r.code == 0
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办")
    assert r.code == 1 and "带例外结束会议需保密负责人操作（当前操作员：孙文管）" in r.err
    r = cli("close", CODE, "--with-exceptions", "--note", "已报保密办", "--approver", "赵保密")
    assert r.code == 0, r.err
    last = _events(cli)[-1]
    assert (last.action, last.operator, last.approver) == ("close", "孙文管", "赵保密")


def test_five_failures_lock_the_operator_across_processes(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_PIN"] = "000000"
    tap = ("tap", CODE, "--mode", "issue", pass_uid("A001"))
    for n in range(1, 4):
        assert f"连续第 {n} 次" in cli(*tap).err
    real = Cli(
        Path(cli.env["CARRIER_TRACKER_HOME"]), cli.env["CARRIER_TRACKER_DB"], subprocess=True
    )
    real.env.update(cli.env)
    assert "连续第 4 次" in real(*tap).err  # a new process continues the count …
    r = real(*tap)
    assert r.code == 2 and "PIN 连续错误 5 次：操作员 孙文管 已锁定至" in r.err
    real.env["CARRIER_TRACKER_PIN"] = PIN  # … and another one meets the lock, right PIN or not
    r = real(*tap)
    assert r.code == 2 and r.err.startswith("错误：操作员 孙文管 已锁定至")
    assert _after_setup(cli) == []
    assert [a for a, subject, _ in _system(cli) if subject == "孙文管"][-3:] == [
        "auth_failed",
        "locked",
        "auth_failed",
    ]
    listed = json.loads(cli("operator", "list", "--json").out)
    assert next(o for o in listed if o["name"] == "孙文管")["locked_until"]
    as_env.update(CARRIER_TRACKER_OPERATOR="赵保密", CARRIER_TRACKER_PIN=PIN)
    assert cli("operator", "reset-pin", "孙文管").code == 0  # an officer lifts it
    as_env["CARRIER_TRACKER_OPERATOR"] = "孙文管"
    assert cli(*tap).code == 0


def test_verify_replays_operator_changes_made_in_sql(cli: Cli) -> None:
    assert cli("verify").code == 0
    conn = sqlite3.connect(_db(cli))
    conn.execute("UPDATE operator SET role = 'officer' WHERE name = '孙文管'")
    conn.execute(
        "INSERT INTO operator (name, role, disabled, failed_attempts) VALUES ('黑', 'officer', 0, 0)"
    )
    conn.commit()
    conn.close()
    r = cli("verify")
    assert r.code == 1
    # the key's genesis, the four operators of the fixture and the meeting's registration
    assert "系统台账\t事件 6\t" in r.out and "数据库与台账不符（2 处）" in r.out
    assert "  操作员 孙文管·角色：台账为 文管员，数据库为 保密负责人\n" in r.out
    assert "  操作员 黑：数据库为 保密负责人，台账中没有（未经登记）\n" in r.out


def test_operator_management(cli: Cli, as_env: dict[str, str]) -> None:
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    r = cli("operator", "新人", "--role", "custodian")  # the old form still works
    assert (r.code, r.out) == (0, "已登记操作员 新人：文管员\n")
    assert cli("operator", "add", "新人", "--role", "officer").out == "操作员 新人 改为保密负责人\n"
    assert cli("operator", "disable", "新人").code == 0
    r = cli("operator", "disable", "赵保密")
    assert (r.code, r.err) == (
        2,
        "错误：赵保密 是最后一位在用的保密负责人，不能停用或改为其他角色\n",
    )
    as_env["CARRIER_TRACKER_OPERATOR"] = "新人"
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"))
    assert (r.code, r.err) == (2, "错误：操作员 新人 已停用\n")
    r = cli("init", "--officer", "又一位")
    assert r.code == 2 and "已有保密负责人" in r.err
    actions = [a for a, _, _ in _system(cli)]
    assert actions[-4:] == ["operator_added", "role_granted", "operator_disabled", "auth_failed"]
    assert cli("verify").code == 0


def test_no_operator_management_before_the_first_officer(tmp_path: Path) -> None:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}", subprocess=False)
    assert c._run("init").code == 0  # without the helper's operators
    r = c("operator", "add", "某人")
    assert (r.code, r.err) == (
        2,
        "错误：尚无保密负责人：请先运行 carrier-tracker init --officer 姓名\n",
    )
    c.env["CARRIER_TRACKER_PIN"] = "12345"
    r = c("init", "--officer", "赵保密")
    assert (r.code, r.err) == (2, "错误：PIN 须为 6–12 位数字\n")
    c.env["CARRIER_TRACKER_PIN"] = PIN
    assert c("init", "--officer", "赵保密").code == 0


def test_a_second_officer_unlocks_the_only_officer(cli: Cli, as_env: dict[str, str]) -> None:
    """Anyone can lock an officer out with five wrong PINs; a second officer lifts the lock
    (an event of the system chain that verify replays), but nobody unlocks themselves."""
    as_env.update(CARRIER_TRACKER_OPERATOR="赵保密", CARRIER_TRACKER_PIN=PIN)
    assert cli("operator", "add", "钱保密", "--role", "officer").code == 0
    as_env["CARRIER_TRACKER_PIN"] = "000000"
    for _ in range(5):
        assert cli("operator", "disable", "门岗").code == 2
    as_env["CARRIER_TRACKER_PIN"] = PIN
    r = cli("operator", "disable", "门岗")
    assert r.code == 2 and "操作员 赵保密 已锁定至" in r.err
    r = cli("operator", "unlock", "赵保密")  # the locked officer cannot lift it themselves
    assert r.code == 2 and "已锁定至" in r.err
    as_env["CARRIER_TRACKER_OPERATOR"] = "钱保密"
    r = cli("operator", "unlock", "赵保密")
    assert (r.code, r.out) == (0, "已解除操作员 赵保密 的锁定（已记入系统台账）\n")
    r = cli("operator", "unlock", "赵保密")
    assert (r.code, r.err) == (2, "错误：赵保密 未被锁定\n")
    r = cli("operator", "unlock", "钱保密")
    assert r.code == 2 and "不能为自己解除锁定" in r.err
    as_env["CARRIER_TRACKER_OPERATOR"] = "赵保密"
    assert cli("operator", "disable", "门岗").code == 0
    lifted = [(a, s) for a, s, _ in _system(cli) if a in ("locked", "lock_lifted")]
    assert lifted == [("locked", "赵保密"), ("lock_lifted", "赵保密")]
    assert cli("verify").code == 0
