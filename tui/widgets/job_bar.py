"""A one-line bar at the foot of a screen while the desk exports: what, how far, how to stop."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from carrier_tracker.cli.jobs import EXPORT

from ..texts import t


class JobBar(Horizontal):
    """The running job's progress; docked above the footer (or inside the job dialog)."""

    DEFAULT_CSS = """
    JobBar { dock: bottom; height: 1; margin-bottom: 1; padding: 0 1; background: $primary-darken-2; color: $text; }
    JobBar.in-dialog { dock: none; margin: 1 0 0 0; padding: 0; background: $surface; }
    JobBar.in-dialog #job-what { display: none; }
    JobBar #job-what { width: auto; max-width: 50%; text-wrap: nowrap; text-overflow: ellipsis; padding-right: 1; }
    JobBar #job-status { width: auto; padding: 0 1; }
    JobBar #job-hint { width: auto; color: $text-muted; }
    JobBar ProgressBar { width: 1fr; }
    JobBar ProgressBar Bar { width: 1fr; }
    """

    def __init__(self, kind: str, name: str, *, in_dialog: bool = False) -> None:
        """Args:
        kind: the job's kind (export or forms).
        name: the file being written (its name).
        in_dialog: shown in the job dialog (not docked, no key hint).
        """
        super().__init__(classes="in-dialog" if in_dialog else None)
        self.kind, self.file_name, self.in_dialog = kind, name, in_dialog
        self._state = (0, 0, False)

    def compose(self) -> ComposeResult:
        what = t(f"job_short_{self.kind}")
        yield Label(t("job_bar", what=what, name=self.file_name), id="job-what", markup=False)
        yield ProgressBar(show_eta=False, id="job-progress")
        yield Label(t("job_starting"), id="job-status", markup=False)
        if not self.in_dialog:
            yield Label(t("job_bar_hint"), id="job-hint", markup=False)

    def show(self, done: int, total: int, *, stopping: bool = False) -> None:
        """Show how far the job is (``total`` 0: not known yet)."""
        self._state = (done, total, stopping)
        if self.is_mounted:
            self._draw()

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        done, total, stopping = self._state
        if total:
            self.query_one(ProgressBar).update(total=total, progress=done)
        if stopping:
            status = t("job_stopping")
        elif not total:
            status = t("job_starting")
        elif done >= total:
            status = t("job_saving")
        else:
            status = t("job_rows" if self.kind == EXPORT else "job_sheets", done=done, total=total)
        self.query_one("#job-status", Label).update(status)
