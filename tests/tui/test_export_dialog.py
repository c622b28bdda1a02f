"""The desk's export dialog (Ctrl+O) never replaces a file unasked: a workbook already there — a
snapshot whose 台账锚点 the custodian wrote down — stays as it is unless the custodian confirms;
the names it proposes are free; a file that appears while the job runs is not replaced either."""

from __future__ import annotations

import asyncio
import errno
import os
from collections.abc import Callable
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from textual.widgets import Button, Input, Label, RadioButton

import carrier_tracker.tui.app as app_module
from carrier_tracker.tui.jobs import place
from carrier_tracker.tui.screens.desk import DeskScreen
from carrier_tracker.tui.screens.export_dialog import ExportDialog
from carrier_tracker.tui.texts import MIN_SIZE
from tests.tui.conftest import Desk, wait_for
from tests.tui.layout import clipping_problems

SIZE = (120, 36)
KEPT = b"the snapshot whose anchor was written down"


def _notices(d: Desk) -> str:
    return "\n".join(str(n.message) for n in d.app._notifications)


async def _dialog(pilot: Any, d: Desk, *, forms: bool = False) -> ExportDialog:
    """Ctrl+O from the desk, the kind chosen; the open dialog."""
    await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
    await pilot.press("ctrl+o")
    await wait_for(pilot, lambda: isinstance(d.app.screen, ExportDialog))
    dialog = d.app.screen
    assert isinstance(dialog, ExportDialog)
    if forms:
        dialog.query_one("#kind-forms", RadioButton).value = True
        await pilot.pause(0.1)
    return dialog


async def _type_path(pilot: Any, dialog: ExportDialog, path: Path | str) -> None:
    dialog.query_one("#path", Input).value = str(path)
    await pilot.pause(0.1)  # the dialog hears of the change


def _said(dialog: ExportDialog) -> tuple[str, str]:
    """The dialog's message and its button's label."""
    return (
        str(dialog.query_one("#error", Label).render()),
        str(dialog.query_one("#ok", Button).label),
    )


@pytest.mark.parametrize("forms", [False, True], ids=["export", "forms"])
async def test_an_existing_file_is_replaced_only_when_confirmed(
    desk: Callable[..., Desk], tmp_path: Path, forms: bool
) -> None:
    d = desk()
    target = tmp_path / "已有.xlsx"
    target.write_bytes(KEPT)
    warning = f"文件已存在，将被覆盖：{target}（再按回车覆盖；或改文件名）"
    async with d.app.run_test(size=MIN_SIZE) as pilot:
        # Enter on an existing file: the dialog says so and stays; Esc leaves the file alone.
        dialog = await _dialog(pilot, d, forms=forms)
        await _type_path(pilot, dialog, target)
        await pilot.press("enter")
        assert d.app.screen is dialog and _said(dialog) == (warning, "覆盖")
        await pilot.pause(0.1)
        assert clipping_problems(d.app) == []  # the whole warning shows, at the smallest size
        assert d.app.jobs.running is None
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(d.app.screen, DeskScreen))
        await pilot.pause(0.3)
        assert d.app.jobs.running is None and d.app.jobs.last is None
        assert target.read_bytes() == KEPT

        # Another name typed: the question no longer holds; back on the file, it is asked anew.
        dialog = await _dialog(pilot, d, forms=forms)
        await _type_path(pilot, dialog, target)
        await pilot.press("enter")
        assert _said(dialog) == (warning, "覆盖")
        await _type_path(pilot, dialog, tmp_path / "另一个.xlsx")
        assert _said(dialog) == ("", "导出")
        await _type_path(pilot, dialog, target)
        await pilot.press("enter")
        assert d.app.screen is dialog and _said(dialog) == (warning, "覆盖")
        assert target.read_bytes() == KEPT

        # The second Enter on the same file confirms: it is replaced.
        await pilot.press("enter")
        await wait_for(pilot, lambda: d.app.jobs.last is not None, timeout=30)
        shown = _notices(d)
    assert (f"已生成签字表格 {target}" if forms else f"已导出 {target}") in shown
    wb = openpyxl.load_workbook(target)
    assert ("会议证登记表" if forms else "汇总") in wb.sheetnames
    wb.close()


async def test_the_proposed_names_are_free(
    desk: Callable[..., Desk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names carry the minute: a second export in the same minute gets ``-2``, a third
    ``-3`` (each kind on its own)."""

    class SameMinute(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> SameMinute:
            return cls(2026, 12, 8, 18, 0, 30, tzinfo=tz)

    monkeypatch.setattr(app_module, "datetime", SameMinute)
    folder = tmp_path / "home" / "data"  # the user data directory of these tests (conftest)
    folder.mkdir(parents=True, mode=0o700)
    taken = ["保密办-HY2026-12-20261208-1800.xlsx", "保密办-HY2026-12-20261208-1800-2.xlsx"]
    for name in taken:
        (folder / name).write_bytes(KEPT)
    d = desk()
    async with d.app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, d)
        proposed = Path(dialog.query_one("#path", Input).value)
        assert proposed == folder / "保密办-HY2026-12-20261208-1800-3.xlsx"
        dialog.query_one("#kind-forms", RadioButton).value = True
        await pilot.pause(0.1)
        forms = Path(dialog.query_one("#path", Input).value)
        assert forms == folder / "签字表格-HY2026-12-20261208-1800.xlsx"
        dialog.query_one("#kind-export", RadioButton).value = True
        await pilot.pause(0.1)
        await pilot.press("enter")  # free: written at once, no question
        await wait_for(pilot, lambda: d.app.last_export == proposed, timeout=30)
    assert [(folder / name).read_bytes() for name in taken] == [KEPT, KEPT]


async def test_a_file_that_appears_while_the_job_runs_is_not_replaced(
    desk: Callable[..., Desk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog saw no file; one is there when the job ends (another desk, a copy by hand):
    the job fails and says so, the file stays, nothing of the job is left."""
    d = desk()
    target = tmp_path / "保密办.xlsx"
    real = asyncio.create_subprocess_exec

    async def someone_else_writes_first(*args: Any, **kwargs: Any) -> Any:
        target.write_bytes(KEPT)
        return await real(*args, **kwargs)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", someone_else_writes_first)
    async with d.app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, d)
        await _type_path(pilot, dialog, target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: d.app.jobs.last is not None, timeout=30)
        shown = _notices(d)
        assert d.app.last_export is None
    assert f"导出保密办工作簿失败：文件已存在：{target}（写入期间出现，未覆盖" in shown
    assert target.read_bytes() == KEPT
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".ct-")) == []


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
def test_place_never_replaces_unless_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: bool
) -> None:
    """Also on a file system without hard links (a FAT USB stick)."""
    if not links:

        def no_links(*_a: Any, **_k: Any) -> None:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(os, "link", no_links)
    staged, target = tmp_path / "staged.xlsx", tmp_path / "target.xlsx"
    staged.write_bytes(b"new")
    target.write_bytes(KEPT)
    with pytest.raises(FileExistsError):
        place(staged, target, replace=False)
    assert target.read_bytes() == KEPT and staged.read_bytes() == b"new"
    place(staged, target, replace=True)
    assert target.read_bytes() == b"new" and not staged.exists()
    fresh = tmp_path / "fresh.xlsx"
    staged.write_bytes(b"newer")
    place(staged, fresh, replace=False)
    assert fresh.read_bytes() == b"newer" and not staged.exists()
