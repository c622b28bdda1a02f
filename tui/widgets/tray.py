"""The demo's virtual tag tray: pick a copy or pass and press Enter to lay it on the simulated reader."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option


class TagTray(Vertical):
    """A list of tagged carriers; Enter taps the highlighted one (present, then remove)."""

    BINDINGS = [Binding("enter", "tap", "刷卡", show=True)]

    def __init__(self, items: list[tuple[str, str]], **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.items = items  # (label, uid)

    def compose(self) -> ComposeResult:
        yield Label("虚拟标签托盘（选中后按回车刷卡）", classes="tray-title")
        yield Input(placeholder="筛选：文件编号、人员编号…", id="tray-filter")
        yield OptionList(*[Option(label, id=uid) for label, uid in self.items], id="tray-list")

    def on_input_changed(self, event: Input.Changed) -> None:
        text = event.value.strip()
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(label, id=uid) for label, uid in self.items if text.upper() in label.upper()])
        if options.option_count:
            options.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter taps the highlighted match: type "HY-01 第003", press Enter."""
        event.stop()
        self.action_tap()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.app.simulate_tap(event.option.id)  # type: ignore[attr-defined]

    def action_tap(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id:
                self.app.simulate_tap(option.id)  # type: ignore[attr-defined]
