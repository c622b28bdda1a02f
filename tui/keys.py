"""Keys in the order they arrive, each handled to the end before the next.

Textual hands a key to the focused widget's queue and runs its bindings only when the key has
bubbled back up to the app, behind the keys queued meanwhile; priority bindings (the desk's F-keys,
Ctrl+R …) run at once, ahead of keys still queued for the field. In a burst (a keyboard-wedge
reader, a fast typist, a busy moment) a text field got the printable keys first and Backspace,
the arrows and Enter after them: ``246811⌫0⏎`` at the login submitted ``2468110``, ``A009⌫3⏎``
looked up ``A0093``, ``←←Q`` appended Q.

Here the app takes each key from its own queue and handles it whole: the priority bindings, then,
for a text field, the typed character or the field's (and its ancestors') bindings. When a key
started something that lands later — a focus change or a new screen (both applied from the app's
queue), an Enter whose ``Submitted`` the screen handles (moving the cursor on), a tap from the tap
entry (taken in the mode of the moment) — the next keys wait for it, never longer than
:data:`HOLD_MAX`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input

if TYPE_CHECKING:
    from .app import CarrierTrackerApp

HOLD_MAX = 1.0
"""Seconds the keys wait at most for what the last one started."""
SETTLE_STEP = 0.02
"""How often a new screen is looked at for its focus."""


class KeyOrder:
    """The app's keys, one at a time (see the module docstring)."""

    def __init__(self, app: CarrierTrackerApp) -> None:
        self.app = app
        self.keys: deque[events.Key] = deque()
        self.holding: int | None = None
        """The hold the keys wait for (None: they flow)."""
        self._holds = 0
        self._timer: Timer | None = None
        self._tap = False
        """The hold waits for the tap entry's tap to be taken."""
        self._screen: Screen[Any] | None = None

    async def take(self, event: events.Key) -> None:
        """A key from the terminal (or the pilot): queued behind the ones not yet handled."""
        self.keys.append(event)
        await self._drain()

    async def _drain(self) -> None:
        while self.keys and self.holding is None:
            await self._one(self.keys.popleft())

    async def _one(self, event: events.Key) -> None:
        app = self.app
        if not app.app_focus:
            app.app_focus = True
        screen = app.screen
        if screen.maximized is not None and event.key == "escape" and app.escape_to_minimize:
            screen.minimize()
            return
        if await app._check_bindings(event.key, priority=True):
            self._hold()
            return
        focused = app.focused
        if isinstance(focused, Input):
            if event.is_printable:
                await focused._on_key(event)  # the field inserts it, now
                return
            if await app._check_bindings(event.key):  # Backspace, arrows, Home/End, Enter, Tab …
                if event.key == "enter":
                    self._hold(through=focused, tap=_is_tap_entry(focused))
                else:
                    self._hold()
                return
        (focused or screen)._forward_event(event)

    # -- holding ----------------------------------------------------------------------------

    def _hold(self, *, through: Widget | None = None, tap: bool = False) -> None:
        """Keep the next keys until what the last one started has landed: the app's queued
        callbacks (focus, screens), the messages ``through`` posts on their way up to its
        screen, and (``tap``) the tap it made being taken."""
        self._holds += 1
        token = self.holding = self._holds
        self._tap = tap
        self._screen = self.app.screen
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.app.set_timer(HOLD_MAX, lambda: self._release(token))
        if tap:
            return  # released by tap_taken
        chain = [through, *through.ancestors] if through is not None else []
        self._up(token, [node for node in chain if isinstance(node, Widget)])

    def _up(self, token: int, chain: list[Widget]) -> None:
        """Behind each queue in turn, from the field up to its screen, then the app's."""
        while chain and not chain[0].is_attached:
            chain = chain[1:]
        if not chain:
            self.app.call_later(self._settled, token, 0)
            return
        chain[0].call_later(self._up, token, chain[1:])

    def _settled(self, token: int, tries: int) -> None:
        """Release, once a new screen (pushed by the last key) has its focus."""
        app = self.app
        screen = app.screen
        new = screen is not self._screen
        waiting = new and app.focused is None and any(True for _ in screen.focus_chain)
        if waiting and tries * SETTLE_STEP < HOLD_MAX:  # its focus is on its way
            app.set_timer(SETTLE_STEP, lambda: self._settled(token, tries + 1))
            return
        self._release(token)

    def tap_taken(self) -> None:
        """The tap the tap entry made was handed to a screen (or none will come)."""
        if self.holding is not None and self._tap:
            self._release(self.holding)

    def _release(self, token: int) -> None:
        if self.holding != token:
            return  # an older hold: its key has been released already
        self.holding = None
        self._tap = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.app.call_later(self._drain)


def _is_tap_entry(field: Input) -> bool:
    from .widgets.tap_entry import TapEntry

    return isinstance(field.parent, TapEntry)
