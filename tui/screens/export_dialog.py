"""导出: what to write (the 保密办 workbook or the signed forms) and where; while it is written,
how far it is, with a key to stop it.

An existing file is never replaced unasked (a snapshot whose 台账锚点 was written down may be in
it): the dialog says the file exists and will be replaced, and only a second Enter (or the
button, now 「覆盖」) on the same path confirms; the proposed names are always free.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, RadioButton, RadioSet

from carrier_tracker.cli.jobs import EXPORT, FORMS
from carrier_tracker.errors import ConflictError, OutputError

from ..texts import t
from ..widgets.entry import Entry
from ..widgets.job_bar import JobBar

if TYPE_CHECKING:
    from ..jobs import DeskJobs


@dataclass(frozen=True)
class ExportChoice:
    """What to write, and where."""

    kind: str
    """``export`` (the 保密办 workbook) or ``forms`` (the signed forms)."""
    path: Path
    replace: bool = False
    """The file exists and the custodian confirmed replacing it."""


def unused_path(path: Path) -> Path:
    """``path``, or the first of ``stem-2.xlsx``, ``stem-3.xlsx``, … that no file has: the names
    the dialog proposes carry the minute, and two exports in the same minute must not collide."""
    from carrier_tracker.paper.output import taken

    candidate, n = path, 1
    while taken(candidate):
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


class ExportDialog(ModalScreen[ExportChoice | None]):
    """Returns the chosen kind and .xlsx path, or None when cancelled."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical { width: 90; max-width: 96%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    ExportDialog Label { width: 100%; }
    ExportDialog RadioSet { width: 100%; border: none; padding: 0; margin-bottom: 1; }
    ExportDialog Horizontal { height: auto; align-horizontal: center; }
    ExportDialog Button { margin: 1 2 0 2; }
    ExportDialog #error { color: $error; height: auto; }
    ExportDialog #last { color: $text-muted; height: auto; margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", t("key_cancel"))]

    def __init__(self, defaults: dict[str, Path] | Path, last: list[str] | None = None) -> None:
        """Args:
        defaults: the proposed path of each kind (a single path: the 保密办 workbook's).
        last: what the last export said (the anchor), shown under the form.
        """
        super().__init__()
        self.defaults = defaults if isinstance(defaults, dict) else {EXPORT: defaults}
        self.kind = EXPORT
        self.last = last or []
        self.replacing: Path | None = None
        """The existing file the dialog has said it would replace (a second Enter confirms)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            if len(self.defaults) > 1:
                with RadioSet(id="kind"):
                    yield RadioButton(t("export_kind_export"), value=True, id="kind-export")
                    yield RadioButton(t("export_kind_forms"), id="kind-forms")
            yield Label(t("export_title"), markup=False)
            yield Entry(str(self.defaults[EXPORT]), id="path")
            yield Label("", id="error", markup=False)
            with Horizontal():
                yield Button(t("export_ok"), variant="primary", id="ok")
                yield Button(t("key_cancel"), id="cancel")
            if self.last:
                yield Label("\n".join([t("export_last"), *self.last]), id="last", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """Another kind: propose its file name, unless a path of one's own was typed."""
        kind = FORMS if event.pressed.id == "kind-forms" else EXPORT
        if self.replacing is not None:  # 「覆盖」 was asked for the other kind
            self._ask_replace(None)
        field = self.query_one("#path", Input)
        if field.value.strip() == str(self.defaults[self.kind]):
            field.value = str(self.defaults[kind])
        self.kind = kind

    def on_input_changed(self, _event: Input.Changed) -> None:
        """Another path (typed, or another kind's): a pending 「覆盖」 no longer holds."""
        if self.replacing is not None:
            self._ask_replace(None)

    def _ask_replace(self, path: Path | None) -> None:
        """Say that ``path`` exists and will be replaced, the button saying 「覆盖」 (None: back
        to the plain dialog)."""
        self.replacing = path
        button = self.query_one("#ok", Button)
        button.label = t("export_replace" if path else "export_ok")
        button.variant = "error" if path else "primary"
        self.query_one("#error", Label).update(t("export_exists", path=path) if path else "")

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._accept()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._accept()
        else:
            self.dismiss(None)

    def _accept(self) -> None:
        from carrier_tracker.paper.export import check_output_path

        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        error = self.query_one("#error", Label)
        if path.suffix.lower() != ".xlsx":
            error.update(t("export_bad_suffix"))
        elif not path.parent.is_dir():
            error.update(t("export_no_dir", dir=path.parent))
        else:
            confirmed = path == self.replacing
            try:  # a directory, a name too long, … and a file there already, unless confirmed
                check_output_path(path, force=confirmed)
            except OutputError as e:
                error.update(str(e))
                return
            except ConflictError:
                self._ask_replace(path)
                return
            self.dismiss(ExportChoice(self.kind, path, replace=confirmed))


class JobDialog(ModalScreen[None]):
    """The running export: how far it is; Ctrl+S stops it, Esc leaves it running."""

    DEFAULT_CSS = """
    JobDialog { align: center middle; }
    JobDialog > Vertical { width: 90; max-width: 96%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    JobDialog > Vertical > Label { width: 100%; }
    JobDialog Horizontal { height: auto; align-horizontal: center; }
    JobDialog Button { margin: 1 2 0 2; }
    """
    BINDINGS = [
        Binding("ctrl+s", "stop", t("key_job_stop"), priority=True),
        Binding("escape", "dismiss(None)", t("key_job_continue")),
    ]

    def __init__(self, jobs: DeskJobs) -> None:
        super().__init__()
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        job = self.jobs.running
        assert job is not None
        with Vertical():
            yield Label(t("job_dialog_title", what=t(f"job_kind_{job.kind}")), markup=False)
            yield Label(str(job.target), markup=False)
            bar = JobBar(job.kind, job.target.name, in_dialog=True)
            bar.show(job.done, job.total, stopping=job.stopping)
            yield bar
            with Horizontal():
                yield Button(t("job_stop"), variant="error", id="stop")
                yield Button(t("job_continue"), variant="primary", id="continue")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#continue", Button).focus()  # Enter by mistake keeps the job

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "stop":
            self.action_stop()
        else:
            self.dismiss(None)

    def action_stop(self) -> None:
        """Stop the job; the desk says so when the child has cleaned up."""
        self.jobs.stop()
        self.dismiss(None)
