"""The big coloured panels: the desk's mode and the last tap's outcome."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.widgets import Static

from carrier_tracker.enums import Mode, Verdict
from carrier_tracker.messages import MODE_LABEL, VERDICT_LABEL, text

from ..texts import t
from ..wording import desk_words

if TYPE_CHECKING:
    from ..service import TapResult

MODE_KEYS = {
    Mode.ISSUE: "F1",
    Mode.COLLECT: "F2",
    Mode.REISSUE: "F3",
    Mode.RECALL: "F4",
    Mode.CARRY_OUT: "F5",
    Mode.DISPATCH: "F6",
    Mode.DELIVER: "F7",
    Mode.RETURN: "F8",
    Mode.ENTRANCE: "F9",
    Mode.LOST: "F10",
    Mode.FOUND: "F11",
    Mode.SWEEP: "F12",
}


def mode_keys(modes: list[Mode]) -> str:
    """The key line under the banner, e.g. ``F1 发放  F2 休会收回``."""
    return "  ".join(t("mode_key", key=MODE_KEYS[m], mode=MODE_LABEL[m]) for m in modes)


class ModeBanner(Static):
    """The current mode, big and in the mode's own colour, so nobody taps in the wrong one."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id, markup=False)  # texts hold data ([..] is not markup)

    def show(self, mode: Mode) -> None:
        for m in Mode:
            self.remove_class(f"mode-{m.value}")
        self.remove_class("closed")
        self.add_class(f"mode-{mode.value}")
        self.update(t("mode_banner", mode=MODE_LABEL[mode], key=MODE_KEYS[mode]))

    def closed(self, mode: Mode) -> None:
        """The meeting is closed: said first, then the one mode that still records."""
        self.show(mode)
        self.add_class("closed")
        self.update(t("mode_banner_closed", mode=MODE_LABEL[mode], key=MODE_KEYS[mode]))


class OutcomePanel(Static):
    """The result of the last tap: green accepted, yellow already, red refused."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:
        super().__init__(content, id=id, markup=False)  # texts hold data ([..] is not markup)
        self._offered: TapResult | None = None  # the result shown with Ctrl+Y's offer

    def show(self, verdict: Verdict, message: str, *, remark: bool = False) -> None:
        """The verdict and message; ``remark``: accepted with a remark, shown yellow (still 成功)."""
        self._clear()
        shade = Verdict.ALREADY if remark and verdict is Verdict.ACCEPTED else verdict
        self.add_class(f"verdict-{shade.value}")
        self.update(f"{VERDICT_LABEL[verdict]}：{desk_words(message)}")

    def result(self, result: TapResult, screen: str) -> None:
        """A tap's result, the same on every screen that records taps in the desk's mode: nothing
        recorded (waiting for an officer, cancelled) in yellow without a verdict; a refusal an
        officer's exception would lift names Ctrl+Y — on ``screen``, the one showing it, only if
        it was tapped there, for Ctrl+Y lifts it there alone (else the custodian taps again and
        records one more refusal); accepted with a remark in yellow."""
        line, outcome = result.line, result.outcome
        if result.asking or result.cancelled:
            self.remark(line)
        elif result.offers_exception and result.request.screen == screen:
            self.show(result.verdict, text("exception_offer", message=line))
            self._offered = result
        else:
            self.show(result.verdict, line, remark=bool(outcome and outcome.warning))

    def withdraw_offer(self) -> None:
        """The shown refusal without its Ctrl+Y offer (the desk locked: the offer was the
        signed-in operator's)."""
        if self._offered is not None:
            offered = self._offered
            self.result(replace(offered, offers_exception=False), offered.request.screen)

    def remark(self, text: str) -> None:
        """Yellow, without a verdict: nothing was recorded (waiting for an officer, cancelled)."""
        self._clear()
        self.add_class(f"verdict-{Verdict.ALREADY.value}")
        self.update(desk_words(text))

    def hint(self, text: str) -> None:
        """A neutral line (a prompt, or 等待数据库…)."""
        self._clear()
        self.update(desk_words(text))

    def waiting(self, text: str) -> None:
        """The tap is queued behind a database lock."""
        self._clear()
        self.add_class("waiting")
        self.update(text)

    def _clear(self) -> None:
        self._offered = None
        for v in Verdict:
            self.remove_class(f"verdict-{v.value}")
        self.remove_class("waiting")
