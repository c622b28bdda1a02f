"""登录: operator name and PIN before the desk, and again after it locks (idle or Ctrl+X).

The PIN is checked by ``carrier_tracker.access.operators.authenticate`` on a thread (argon2 takes a
while), so failures and lockouts are recorded in the system chain exactly as the CLI records them.
An operator may tap their own bound card instead of typing the name: the name is filled from the
card, and the card goes with the PIN to ``authenticate`` (which lets an officer's own card with
the right PIN in while a lockout of wrong PINs holds). A tap here is never recorded as custody.
"""

from __future__ import annotations

from textual import getters, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Label, Static

from carrier_tracker.access.operators import Authenticated, authenticate, card_holder
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.messages import text
from carrier_tracker.readers import TagTap

from ..app import CarrierTrackerApp
from ..taking import TakesTaps
from ..widgets.entry import Entry


class LoginScreen(TakesTaps, Screen[Authenticated]):
    """Name + PIN; dismisses with the authenticated operator. Taps while it shows are not recorded."""

    app = getters.app(CarrierTrackerApp)

    NAME = "login"
    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    LoginScreen > Vertical { width: 70; max-width: 96%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    LoginScreen Label, LoginScreen Static { width: 100%; height: auto; }
    LoginScreen #login-title { text-style: bold; padding: 0 0 1 0; }
    LoginScreen #login-error { color: $error; text-style: bold; }
    LoginScreen #login-hint { margin: 1 0 0 0; padding: 0 1; border: round $success; color: $text; }
    """

    def __init__(self, *, name: str = "", hint: str = "", locked_by: str = "") -> None:
        super().__init__()
        self.prefill = name
        self.hint = hint
        self.locked_by = locked_by
        self.busy = False
        self.card: tuple[str, str] | None = None
        """(UID, operator) of the card tapped for this sign-in, while the name field still
        holds that operator."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            title = (
                text("login_locked", name=self.locked_by) if self.locked_by else text("login_title")
            )
            yield Label(title, id="login-title", markup=False)
            yield Label(text("login_name"), markup=False)
            yield Entry(self.prefill, placeholder=text("login_name_placeholder"), id="login-name")
            yield Label(text("login_pin"), markup=False)
            yield Entry(placeholder=text("login_pin_placeholder"), password=True, id="login-pin")
            yield Label("", id="login-error", markup=False)
            if self.hint:
                yield Static(self.hint, id="login-hint", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        target = "#login-pin" if self.prefill else "#login-name"
        self.query_one(target, Input).focus()

    def take_tap(self, tap: TagTap) -> None:
        """A tap while signed out records no custody: an operator's own card fills the name
        (looked up off the event loop); any other tag is named and ignored."""
        if self.busy:
            return
        self.read_card(tap.uid)

    @work(thread=True, exclusive=True, exit_on_error=False, group="login-card")
    def read_card(self, uid: str) -> None:
        app = self.app
        try:
            name = card_holder(app.ctx.engine, uid)
        except CarrierTrackerError as e:
            app.call_from_thread(self._error, str(e))
            return
        except Exception as e:  # the database went away: the screen stays, with the reason
            app.call_from_thread(self._error, text("login_error", reason=e))
            return
        app.call_from_thread(self._card_read, uid, name)

    def _card_read(self, uid: str, name: str | None) -> None:
        if name is None:
            self.card = None
            self._error(text("login_card_unknown", uid=uid))
            return
        self.card = (uid, name)
        self.query_one("#login-name", Input).value = name
        self.query_one("#login-error", Label).update(text("login_card_read", name=name))
        self.query_one("#login-pin", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        name = self.query_one("#login-name", Input).value.strip()
        pin_input = self.query_one("#login-pin", Input)
        if event.input.id == "login-name" or not name:
            (pin_input if name else self.query_one("#login-name", Input)).focus()
            return
        if not pin_input.value or self.busy:
            return
        self.busy = True
        self.query_one("#login-error", Label).update(text("login_checking"))
        card = self.card[0] if self.card is not None and self.card[1] == name else None
        self.check(name, pin_input.value, card)
        pin_input.value = ""

    @work(thread=True, exclusive=True, exit_on_error=False, group="login")
    def check(self, name: str, pin: str, card: str | None = None) -> None:
        """Authenticate off the event loop; the result comes back by call_from_thread."""
        app = self.app
        ctx = app.ctx
        try:
            who = authenticate(
                engine=ctx.engine,
                key=ctx.key,
                name=name,
                pin=pin,
                station=ctx.station,
                now=app.now(),
                card=card,
            )
        except CarrierTrackerError as e:
            app.call_from_thread(self._failed, str(e))
            return
        except Exception as e:  # the database went away: the screen stays, with the reason
            app.call_from_thread(self._failed, text("login_error", reason=e))
            return
        app.call_from_thread(self._passed, who)

    def _failed(self, message: str) -> None:
        self.busy = False
        self._error(message)
        self.query_one("#login-pin", Input).focus()

    def _passed(self, who: Authenticated) -> None:
        self.busy = False
        self.dismiss(who)

    def _error(self, message: str) -> None:
        self.query_one("#login-error", Label).update(message)
        self.app.bell()
