"""The big coloured panels: the desk's mode, the last tap's outcome, the reader's status."""

from __future__ import annotations

from textual.widgets import Static

from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.messages import MODE_LABEL, VERDICT_LABEL
from readers import ReaderStatus

MODE_KEYS = {
    Mode.ISSUE: "F1", Mode.COLLECT: "F2", Mode.REISSUE: "F3", Mode.RECALL: "F4", Mode.CARRY_OUT: "F5",
    Mode.DISPATCH: "F6", Mode.DELIVER: "F7", Mode.RETURN: "F8", Mode.ENTRANCE: "F9", Mode.LOST: "F10",
    Mode.FOUND: "F11",
}


class ModeBanner(Static):
    """The current mode, big and in the mode's own colour, so nobody taps in the wrong one."""

    def show(self, mode: Mode) -> None:
        for m in Mode:
            self.remove_class(f"mode-{m.value}")
        self.add_class(f"mode-{mode.value}")
        self.update(f"【{MODE_LABEL[mode]}】  {MODE_KEYS[mode]}")


class OutcomePanel(Static):
    """The result of the last tap: green accepted, yellow already, red refused."""

    def show(self, verdict: Verdict, message: str) -> None:
        for v in Verdict:
            self.remove_class(f"verdict-{v.value}")
        self.add_class(f"verdict-{verdict.value}")
        self.update(f"{VERDICT_LABEL[verdict]}：{message}")

    def hint(self, text: str) -> None:
        for v in Verdict:
            self.remove_class(f"verdict-{v.value}")
        self.update(text)


class ReaderStatusBar(Static):
    """读卡器 在线/离线 with the reader's name and why it is offline."""

    def show(self, status: ReaderStatus) -> None:
        self.set_class(status.online, "online")
        self.set_class(not status.online, "offline")
        state = "在线" if status.online else "离线"
        detail = f"  {status.detail}" if status.detail and not status.online else ""
        self.update(f"读卡器 {state}：{status.name}{detail}")
