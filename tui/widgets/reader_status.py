"""The reader's status (top right of every screen) and, while it is offline, the reason and the fix."""

from __future__ import annotations

from textual.widgets import Static

from carrier_tracker.readers import ReaderError, ReaderStatus

from ..texts import t

_INSTALL_FIX = {"pcsc": "fix_pcsc_install", "wedge": "fix_evdev_install", "nfc": "fix_nfc_install"}
_RUNTIME_FIX = {"pcsc": "fix_pcsc_runtime", "nfc": "fix_nfc_runtime", "wedge": "fix_wedge_runtime"}


def open_failure(spec: str, error: ReaderError) -> tuple[ReaderStatus, str]:
    """The status and the fix when a reader cannot even be opened (missing library, bad spec)."""
    scheme = spec.partition(":")[0]
    cause = error.__cause__
    if isinstance(cause, ImportError) and scheme in _INSTALL_FIX:
        reason = t("reader_lib_missing", lib=cause.name or scheme)
        return ReaderStatus(False, spec, reason), t(_INSTALL_FIX[scheme])
    return ReaderStatus(False, spec, str(error)), t("fix_other")


def runtime_fix(spec: str) -> str:
    """What to do when an opened reader reports itself offline (unplugged, daemon down)."""
    return t(_RUNTIME_FIX.get(spec.partition(":")[0], "fix_other"))


class ReaderStatusBar(Static):
    """读卡器 在线/离线 and the reader's name; green or red."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id, markup=False)  # texts hold data ([..] is not markup)

    def show(self, status: ReaderStatus, *, starting: bool = False) -> None:
        self.set_class(status.online and not starting, "online")
        self.set_class(not status.online and not starting, "offline")
        key = (
            "reader_starting"
            if starting
            else "reader_online"
            if status.online
            else "reader_offline"
        )
        self.update(t(key, name=status.name))


class ReaderHelp(Static):
    """Shown only while the reader is offline: why, and how to fix it; the desk stays usable."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id, markup=False)  # texts hold data ([..] is not markup)

    def show(self, status: ReaderStatus, fix: str, *, starting: bool = False) -> None:
        self.display = not status.online and not starting
        if self.display:
            self.update(t("reader_help", reason=status.detail or "—", fix=fix or t("fix_other")))
