"""绑定标签: tap blank tags one after another to bind copies 001…N in order, or passes per attendee."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, ProgressBar, Select

from carrier_tracker.enrollment import bind_copy, bind_pass
from carrier_tracker.enums import Verdict
from carrier_tracker.errors import CarrierTrackerError
from carrier_tracker.queries import bound_count, documents, next_unbound_copy, unbound_passes
from readers import TagTap

from ..widgets.banners import OutcomePanel, ReaderStatusBar

PASSES = "__passes__"


class EnrollScreen(Screen[None]):
    """Each tap binds the next unbound copy of the chosen document (or the next pass)."""

    BINDINGS = [Binding("escape", "app.show('desk')", "返回工作台")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="top"):
            yield Label("绑定标签", classes="screen-title")
            yield ReaderStatusBar(id="reader")
        with Horizontal(id="enroll-bar"):
            yield Select([], prompt="选择文件或会议证", id="target", allow_blank=True)
            yield Label("", id="next")
        yield ProgressBar(id="enroll-progress", show_eta=False)
        yield OutcomePanel("选择文件后，逐个刷空白标签", id="outcome")
        yield DataTable(id="bound", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        self.query_one(ReaderStatusBar).show(self.app.reader_status)  # type: ignore[attr-defined]
        with ctx.read() as s:
            self.docs = {d.number: d for d in documents(s, ctx.meeting)}
        options = [(f"{d.number} {d.title}（{d.copies} 份）", d.number) for d in self.docs.values()]
        options.append(("会议证（按人员编号顺序）", PASSES))
        select = self.query_one("#target", Select)
        select.set_options(options)
        self.query_one(DataTable).add_columns("载体", "标签 UID")
        pending = getattr(self.app.desk, "last_unknown", None)  # type: ignore[attr-defined]
        if pending:
            self.query_one(OutcomePanel).hint(f"待绑定的标签 {pending}：选择文件后再刷一次")

    def on_select_changed(self, _event: Select.Changed) -> None:
        self._progress()

    def _progress(self) -> None:
        ctx = self.app.ctx  # type: ignore[attr-defined]
        target = self.query_one("#target", Select).value
        bar = self.query_one(ProgressBar)
        label = self.query_one("#next", Label)
        if target is Select.BLANK or target is None:
            label.update("")
            return
        with ctx.read() as s:
            if target == PASSES:
                left = unbound_passes(s, ctx.meeting)
                total = len(self.app.desk.people) or 1  # type: ignore[attr-defined]
                bar.update(total=total, progress=total - len(left))
                label.update(f"下一张：{left[0].code} {left[0].name}" if left else "会议证已全部绑定")
            else:
                doc = self.docs[str(target)]
                nxt = next_unbound_copy(s, doc)
                bar.update(total=doc.copies, progress=bound_count(s, doc))
                label.update(f"下一份：{doc.number} 第{nxt:03d}份" if nxt else f"{doc.number} 已全部绑定")

    def handle_tap(self, tap: TagTap) -> None:
        """Bind the tapped tag to the next unbound copy/pass (called by the app)."""
        ctx = self.app.ctx  # type: ignore[attr-defined]
        target = self.query_one("#target", Select).value
        panel = self.query_one(OutcomePanel)
        if target is Select.BLANK or target is None:
            panel.show(Verdict.REFUSED, "请先选择要绑定的文件或会议证")
            self.app.bell()
            return
        try:
            with ctx.session() as s:
                if target == PASSES:
                    left = unbound_passes(s, ctx.meeting)
                    if not left:
                        raise CarrierTrackerError("会议证已全部绑定")
                    b = bind_pass(session=s, key=ctx.key, meeting_code=ctx.code, attendee_code=left[0].code,
                                  uid=tap.uid, operator=ctx.operator, station=ctx.station)
                else:
                    doc = self.docs[str(target)]
                    nxt = next_unbound_copy(s, doc)
                    if nxt is None:
                        raise CarrierTrackerError(f"{doc.number} 已全部绑定")
                    b = bind_copy(session=s, key=ctx.key, meeting_code=ctx.code, doc_no=doc.number, copy_no=nxt,
                                  uid=tap.uid, operator=ctx.operator, station=ctx.station)
        except CarrierTrackerError as e:
            panel.show(Verdict.REFUSED, str(e))
            self.app.bell()
            return
        panel.show(Verdict.ACCEPTED, f"{b.item} 已绑定标签 {b.uid}")
        self.query_one(DataTable).add_row(b.item, b.uid)
        self._progress()
