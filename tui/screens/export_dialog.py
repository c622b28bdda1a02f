"""导出保密办工作簿: ask where to write the workbook, then write it (a snapshot if still open)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label


class ExportDialog(ModalScreen[Path | None]):
    """Returns the chosen .xlsx path, or None when cancelled."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 90; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    ExportDialog Horizontal { height: auto; align-horizontal: center; }
    ExportDialog Button { margin: 1 2 0 2; }
    ExportDialog #error { color: $error; height: auto; }
    """
    BINDINGS = [("escape", "dismiss(None)", "取消")]

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("导出保密办工作簿（登记表、会议证、未收回、机要、带离目录、操作日志）到：")
            yield Input(str(self.default), id="path")
            yield Label("", id="error")
            with Horizontal():
                yield Button("导出", variant="primary", id="ok")
                yield Button("取消", id="cancel")

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._accept()
        else:
            self.dismiss(None)

    def _accept(self) -> None:
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        error = self.query_one("#error", Label)
        if path.suffix.lower() != ".xlsx":
            error.update("文件名应以 .xlsx 结尾")
        elif not path.parent.is_dir():
            error.update(f"目录不存在：{path.parent}")
        else:
            self.dismiss(path)
