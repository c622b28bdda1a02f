"""The README's main-job command runs the whole sample meeting to a verified close; its throw-away
data is removed on exit unless ``--keep`` (then the hint it prints works), and it colours its
results only on a terminal."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carrier_tracker.cli import demo

ROOT = Path(__file__).resolve().parents[2]


def _demo(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    env.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", "demo", "--script", "--fast", *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_demo_runs_a_meeting_to_close(tmp_path: Path) -> None:
    p = _demo(tmp_path, "--keep")
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "\033[" not in out  # stdout is a pipe: no colour without being asked not to
    assert "拒绝：HY-01 第001份 已发给" in out
    assert "拒绝：会议证 P002" in out
    assert (
        "拒绝：HY-07 的分发范围不含 赵娟（保密负责人可加 --override 批准）" in out
        and "成功：发放：HY-07 第001份 → 梁洋" in out
    )
    # The paperwork the demo does itself, said on screen; the sweep finds a copy in a room.
    assert "演示已代为完成会前手续" in out and "[会议备案] 会议 HY2026-12 已备案" in out
    assert "[会场保密检查] 手机管控 符合" in out
    assert "成功：巡检：HY-01 第001份 ← 赵娟（客房 301）" in out
    assert "客房：符合（巡检发现 HY-01 第001份，已收回）" in out
    assert "全部收回" in out and "会议 HY2026-12 已结束" in out and "校验完整" in out
    # After the close every recovered copy is disposed of, each kind once, and verified.
    after = out.split("[会后处置（会议结束后）]")[1]
    assert "成功：归档：1 份（HY-01 第001份），存放于 机要档案室" in after
    assert "成功：退回发文单位：1 份（HY-02 第001份），退回 党政办公室" in after
    assert "成功：销毁：1 份（HY-07 第001份），粉碎，监销人 赵保密" in after
    assert "拒绝" not in after and "校验完整" in after
    assert list(tmp_path.glob("carrier-tracker-demo-*/保密办登记.xlsx"))
    # pledges before the meeting; A003 has none: the pass comes with the warning, counted
    assert "A001 赵娟：已签保密承诺书" in out
    assert "会议证 P003（梁洋） → 梁洋（未签保密承诺书）" in out
    assert "已发会议证而未签保密承诺书 1 人：A003 梁洋" in out
    forms = list(tmp_path.glob("carrier-tracker-demo-*/签字表格.xlsx"))
    assert forms and f"已生成签字表格 {forms[0]}" in out
    assert "销毁登记表 1 行，归档清单 1 行" in out
    # then the office's period report of the demo's month, after the dispositions
    reports = list(tmp_path.glob("carrier-tracker-demo-*/定期评估.xlsx"))
    assert reports and "[定期评估（2026-12-01 至 2026-12-31）]" in out
    assert f"已生成定期评估 {reports[0]}：会议 1 个，密级标志 机密★" in out
    assert out.index("[会后处置（会议结束后）]") < out.index("[定期评估")
    rows = list(openpyxl.load_workbook(reports[0])["会议一览"].iter_rows(values_only=True))
    (row,) = [r for r in rows if r[1] == "HY2026-12"]
    assert row[17:] == (3, 0, "完整")  # 已处置 3, 待处置 0, verified
    assert out.count("演示操作员：") == 1


def test_the_kept_demos_hint_works_as_printed(tmp_path: Path) -> None:
    """The printed command lines run as they are, from another directory, with no other
    setting: the database and the demo's own key are both named."""
    p = _demo(tmp_path, "--keep")
    assert p.returncode == 0, p.stderr
    (work,) = tmp_path.glob("carrier-tracker-demo-*")
    lines = p.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("演示数据保留在 "))
    assert lines[at].startswith(f"演示数据保留在 {work}")
    commands = [line.strip() for line in lines[at + 1 :]]
    assert [c.split()[2] for c in commands] == ["verify", "status"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARRIER_TRACKER_")} | {
        "PYTHONPATH": str(ROOT),
        "HOME": str(tmp_path / "elsewhere"),
    }
    for command in commands:
        assign, _prog, *argv = shlex.split(command)
        name, _, value = assign.partition("=")
        r = subprocess.run(
            [sys.executable, "-m", "carrier_tracker.cli", *argv],
            env={**env, name: value},
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert r.returncode == 0, (command, r.stdout, r.stderr)
    assert "HY2026-12\t事件" in r.stdout or "已结束" in r.stdout


def test_the_demo_leaves_nothing_behind_by_default(tmp_path: Path) -> None:
    p = _demo(tmp_path)
    assert p.returncode == 0, p.stderr
    assert not list(tmp_path.glob("carrier-tracker-demo-*"))
    assert p.stdout.splitlines()[-1].startswith(
        "演示结束：临时数据（数据库、台账密钥、工作簿）已删除"
    )
    assert "（加 --keep 可保留）" in p.stdout


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    main, side = os.openpty()
    try:
        with os.fdopen(side, "w") as terminal, io.StringIO() as pipe:
            assert demo.use_colour(no_colour=False, stream=terminal, environ={})
            assert not demo.use_colour(no_colour=False, stream=terminal, environ={"NO_COLOR": "1"})
            assert not demo.use_colour(no_colour=True, stream=terminal, environ={})
            assert not demo.use_colour(no_colour=False, stream=pipe, environ={})
            # NO_COLOR set but empty does not count (no-color.org)
            assert demo.use_colour(no_colour=False, stream=terminal, environ={"NO_COLOR": ""})
    finally:
        os.close(main)


def test_the_desk_demo_names_its_operators_once_and_removes_its_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk itself runs (headless, signed out at once); its data goes when it ends."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    made = demo.demo_app

    def headless(work: Path) -> Any:
        app = made(work)
        run = app.run

        async def leave(pilot: Any) -> None:
            await pilot.pause()
            pilot.app.exit()

        app.run = lambda: run(headless=True, auto_pilot=leave)
        return app

    monkeypatch.setattr(demo, "demo_app", headless)
    monkeypatch.setattr(demo, "need_terminal", lambda _command: None)  # headless: none needed
    args = argparse.Namespace(script=False, keep=False, fast=True, no_colour=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert demo.cmd_demo(args) == 0
    assert out.getvalue().count("演示操作员：") == 1
    assert "演示结束：临时数据" in out.getvalue()
    assert not list(tmp_path.glob("carrier-tracker-demo-*"))
