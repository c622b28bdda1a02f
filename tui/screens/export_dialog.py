"""导出保密办工作簿: ask where to write the workbook, then write it (a snapshot if still open)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from ..texts import t
from ..widgets.entry import Entry


class ExportDialog(ModalScreen[Path | None]):
    """Returns the chosen .xlsx path, or None when cancelled."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 90; max-width: 96%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    ExportDialog Label { width: 100%; }
    ExportDialog Horizontal { height: auto; align-horizontal: center; }
    ExportDialog Button { margin: 1 2 0 2; }
    ExportDialog #error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", t("key_cancel"))]

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t("export_title"), markup=False)
            yield Entry(str(self.default), id="path")
            yield Label("", id="error", markup=False)
            with Horizontal():
                yield Button(t("export_ok"), variant="primary", id="ok")
                yield Button(t("key_cancel"), id="cancel")
        yield Footer(compact=True)

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
            error.update(t("export_bad_suffix"))
        elif not path.parent.is_dir():
            error.update(t("export_no_dir", dir=path.parent))
        else:
            self.dismiss(path)
