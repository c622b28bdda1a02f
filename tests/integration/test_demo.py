"""The README's main-job command runs the whole sample meeting to a verified close."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_a_meeting_to_close(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "carrier_tracker.cli", "demo", "--script", "--fast", "--no-colour"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
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
    assert list(tmp_path.glob("carrier-tracker-demo-*/保密办登记.xlsx"))
    # pledges before the meeting; A003 has none: the pass comes with the warning, counted
    assert "A001 赵娟：已签保密承诺书" in out
    assert "会议证 P003（梁洋） → 梁洋（未签保密承诺书）" in out
    assert "已发会议证而未签保密承诺书 1 人：A003 梁洋" in out
    forms = list(tmp_path.glob("carrier-tracker-demo-*/签字表格.xlsx"))
    assert forms and f"已生成签字表格 {forms[0]}" in out
