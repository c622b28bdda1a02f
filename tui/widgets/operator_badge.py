"""Who is signed in, at the top right of the desk (the sign-in and the lock update it)."""

from __future__ import annotations

from textual import getters
from textual.widgets import Static

from carrier_tracker.access.operators import Authenticated
from carrier_tracker.messages import ROLE_LABEL, text

from ..app import CarrierTrackerApp


class OperatorBadge(Static):
    """``操作员 孙文管（文管员）``; an auditor's badge is coloured so nobody expects taps to count."""

    DEFAULT_CSS = """
    OperatorBadge { width: auto; min-width: 20; height: 3; content-align: center middle; padding: 0 1; background: $primary-darken-2; color: white; text-style: bold; }
    OperatorBadge.auditor { background: $warning-darken-2; }
    """

    app = getters.app(CarrierTrackerApp)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def on_mount(self) -> None:
        who = self.app.signed_in_as
        if who is not None:
            self.show(who)

    def show(self, who: Authenticated) -> None:
        """Name and role of the operator now signed in."""
        self.set_class(who.role.value == "auditor", "auditor")
        self.update(text("operator_badge", name=who.name, role=ROLE_LABEL[who.role.value]))
