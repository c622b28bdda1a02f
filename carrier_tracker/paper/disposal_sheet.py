"""The export's 处置登记 sheet: every recovered copy with its disposition (归档, 销毁, 退回发文单位:
when, by whom, witnesses, method, place, ledger seq), and the copies still waiting for one."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from carrier_tracker import messages
from carrier_tracker.enums import CarrierKind, Disposal, State
from carrier_tracker.paper.heading import Local
from carrier_tracker.paper.layout import Column, PrintedSheet
from carrier_tracker.storage.models import Carrier, Disposition, Document, Meeting, table_of

DISPOSAL_SHEET = "处置登记"
DISPOSAL_COLUMNS = [
    Column("序号", 7, "center"),
    Column("文件编号", 12, "center"),
    Column("文件名称", 30, "text"),
    Column("密级", 6, "center"),
    Column("份号", 6, "center"),
    Column("处置", 12, "center"),
    Column("处置时间", 17.5, "time"),
    Column("经办人", 10, "center"),
    Column("监销人", 16, "text"),
    Column("销毁方式", 10, "center"),
    Column("存放地点 / 退回单位", 24, "text"),
    Column("台账序号", 8, "num"),
]


def write_disposals(sheet: PrintedSheet, session: Session, meeting: Meeting, local: Local) -> int:
    """One row per copy disposed of or waiting (recovered), by document and copy number."""
    c, d, x = table_of(Carrier), table_of(Document), table_of(Disposition)
    rows = session.connection().execute(
        select(
            d.c.number,
            d.c.title,
            d.c.level,
            c.c.copy_number,
            c.c.state,
            x.c.kind,
            x.c.at,
            x.c.operator,
            x.c.witnesses,
            x.c.method,
            x.c.location,
            x.c.unit,
            x.c.seq,
        )
        .select_from(c)
        .join(d, d.c.id == c.c.document_id)
        .outerjoin(x, x.c.carrier_id == c.c.id)
        .where(
            c.c.meeting_id == meeting.id,
            c.c.kind == CarrierKind.COPY.value,
            (c.c.state == State.RECOVERED.value) | x.c.carrier_id.is_not(None),
        )
        .order_by(d.c.number, c.c.copy_number)
    )
    n = 0
    waiting = messages.text("paper_disposal_waiting")
    for (
        number,
        title,
        level,
        copy_no,
        _state,
        kind,
        at,
        operator,
        witnesses,
        method,
        location,
        unit,
        seq,
    ) in rows:
        n += 1
        label = messages.DISPOSAL_LABEL[Disposal(kind)] if kind else waiting
        sheet.row(
            [
                n,
                number,
                title,
                level,
                f"{copy_no:03d}",
                label,
                local(at),
                operator,
                witnesses,
                method,
                location or unit,
                seq,
            ]
        )
    if not n:
        sheet.empty(messages.text("paper_empty_disposals"))
    return n
