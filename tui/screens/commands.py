"""命令 (Ctrl+P): the desk's commands, in Chinese, filtered as you type; Enter runs the highlighted
one. It replaces Textual's command palette, whose own commands are in English."""

from __future__ import annotations

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from ..texts import t
from ..widgets.entry import Entry


class CommandsDialog(ModalScreen[None]):
    """A filter field over the list of commands; Enter (or a click) runs one, Esc closes."""

    DEFAULT_CSS = """
    CommandsDialog { align: center top; }
    CommandsDialog > Vertical { width: 84; max-width: 96%; height: auto; max-height: 100%; margin-top: 1; border: thick $primary; background: $surface; padding: 0 1; }
    CommandsDialog Label { width: 100%; color: $text-muted; }
    CommandsDialog OptionList { height: auto; max-height: 22; border: none; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(None)", t("key_cancel")),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]
    AUTO_FOCUS = "#command-filter"

    def __init__(self, commands: list[SystemCommand]) -> None:
        super().__init__()
        self.commands = commands
        self.shown = list(commands)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Entry(placeholder=t("commands_placeholder"), id="command-filter")
            yield OptionList(*self._options(), id="commands")
            yield Label("", id="commands-none", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._highlight_first()

    def _options(self) -> list[Option]:
        return [
            Option(f"{c.title}\n  {c.help}", id=str(i))
            for i, c in enumerate(self.commands)
            if c in self.shown
        ]

    def _highlight_first(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.shown else None
        none = self.query_one("#commands-none", Label)
        none.update(t("commands_none"))
        none.display = not self.shown

    def on_input_changed(self, event: Input.Changed) -> None:
        words = event.value.split()
        self.shown = [c for c in self.commands if all(w in c.title or w in c.help for w in words)]
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options())
        self._highlight_first()

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            now = options.highlighted if options.highlighted is not None else -step
            options.highlighted = max(0, min(options.option_count - 1, now + step))

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self._run(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._run(event.option.id)

    def _run(self, option_id: str | None) -> None:
        if option_id is None:
            return
        command = self.commands[int(option_id)]
        self.dismiss(None)
        self.app.call_later(command.callback)
