"""The forms of after the meeting: 销毁登记表 (each destruction, its copies, method and witnesses)
and 归档清单 (archived copies by where they are kept), read from the disposition rows.

Each is one writer and one :class:`~carrier_tracker.paper.forms.Form` in :data:`FORMS`, printed
after the forms of the meeting itself (``forms.write_forms`` appends them).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from carrier_tracker.enums import Disposal
from carrier_tracker.paper.forms import DAY, SIGN, Form, FormData, Pages
from carrier_tracker.paper.layout import Column
from carrier_tracker.storage.models import Carrier, Disposition, Operator

DESTRUCTION_SHEET, ARCHIVE_SHEET = "销毁登记表", "归档清单"


def _c(header: str, width: float, kind: str = "center") -> Column:
    return Column(header, width, kind)


_COPY = (_c("文件编号", 12), _c("文件名称", 30, "text"), _c("密级", 6), _c("份号", 6))


def _rows_of(data: FormData, kind: Disposal) -> list[tuple[Disposition, Carrier]]:
    rows = data.session.exec(
        select(Disposition, Carrier)
        .join(Carrier, col(Carrier.id) == Disposition.carrier_id)
        .where(Disposition.meeting_id == data.meeting.id, Disposition.kind == kind.value)
    ).all()

    def order(pair: tuple[Disposition, Carrier]) -> tuple[Any, ...]:
        d, c = pair
        doc = data.docs.get(c.document_id or 0)
        return (d.location, d.unit, d.seq, doc.number if doc else "", c.copy_number or 0)

    return sorted(rows, key=order)


def _copy(data: FormData, c: Carrier) -> list[Any]:
    doc = data.docs.get(c.document_id or 0)
    if doc is None:
        return ["", "", "", f"{c.copy_number or 0:03d}"]
    return [doc.number, doc.title, doc.level, f"{c.copy_number or 0:03d}"]


def _officers(data: FormData, names: set[str]) -> list[str]:
    if not names:
        return []
    rows = data.session.exec(
        select(Operator.name).where(col(Operator.name).in_(names), Operator.role == "officer")
    ).all()
    return sorted(rows)


def write_destructions(data: FormData, pages: Pages) -> int:
    """销毁登记表: per destruction (one ``dispose`` event), each copy with the method, the
    operator and the witnesses (两人以上监销), a page each, for everyone to sign."""
    rows = _rows_of(data, Disposal.DESTROY)
    people: set[str] = set()
    n, last = 0, None
    for d, c in rows:
        if last is not None and d.seq != last:
            pages.page_break()
        last = d.seq
        people |= {d.operator, *filter(None, d.witnesses.split("、"))}
        n += 1
        pages.row(
            [
                n,
                d.seq,
                *_copy(data, c),
                data.local(d.at),
                d.method,
                d.operator,
                d.witnesses,
                None,
                None,
            ]
        )
    data.approvers[DESTRUCTION_SHEET] = "、".join(_officers(data, people))
    return n or pages.empty("paper_empty_destructions")


def write_archive(data: FormData, pages: Pages) -> int:
    """归档清单: archived copies by where they are kept, for the archive's keeper to sign."""
    rows = _rows_of(data, Disposal.ARCHIVE)
    for n, (d, c) in enumerate(rows, start=1):
        pages.row([n, d.location, *_copy(data, c), data.local(d.at), d.operator, None, None])
    return len(rows) or pages.empty("paper_empty_archive")


FORMS: list[Form] = [
    Form(
        DESTRUCTION_SHEET,
        "paper_title_destructions",
        (
            _c("序号", 6),
            _c("台账序号", 8),
            *_COPY,
            _c("销毁时间", 17.5, "time"),
            _c("销毁方式", 10),
            _c("经办人", 10),
            _c("监销人", 16, "text"),
            _c(SIGN, 14, "sign"),
            _c(DAY, 12, "sign"),
        ),
        write_destructions,
        signers=("paper_role_witness",),
    ),
    Form(
        ARCHIVE_SHEET,
        "paper_title_archive",
        (
            _c("序号", 6),
            _c("存放地点", 18, "text"),
            *_COPY,
            _c("归档时间", 17.5, "time"),
            _c("经办人", 10),
            _c("接收人" + SIGN, 14, "sign"),
            _c(DAY, 12, "sign"),
        ),
        write_archive,
        signers=("paper_role_keeper",),
    ),
]
"""The forms of after the meeting, in printed order."""
