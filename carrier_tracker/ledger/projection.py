"""The tables as a projection of the fold: every row the ledger says a meeting (and the system
chain) should have, column by column, and the comparison of those rows with the tables.

One list per table says which columns the ledger decides (:data:`MEETING_TABLES`,
:data:`OPERATOR_COLUMNS`); :func:`project_meeting` fills them from a
:class:`~carrier_tracker.ledger.fold.MeetingWorld`, :func:`carrier_tracker.ledger.audit` reads
the same columns from the database, and :func:`differences` names every cell that differs, every
row missing and every row no event made. ``rebuild`` inserts the projection's rows.

Values are compared in a plain form (:func:`plain`): times as UTC ISO text, dates as ISO text.
A value the database holds that is no member of its enum, or not even of its column's type, is
simply a value that differs: it is named, never an error.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from carrier_tracker import messages
from carrier_tracker.enums import CarrierKind, MeetingStatus, State
from carrier_tracker.ledger.chain import as_utc
from carrier_tracker.ledger.fold import MeetingWorld, SystemWorld
from carrier_tracker.ledger.replay import item_label

Row = dict[str, Any]
Rows = dict[Hashable, Row]


def plain(value: Any) -> Any:
    """A value as compared: times as UTC ISO text, dates as ISO text, the rest as it is."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class TableView:
    """What the ledger decides of one table: its key and the columns compared."""

    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    reference: bool = False
    """Reference facts (from the import's snapshot): compared only when the chain has one."""


MEETING_REFERENCE = (
    "code",
    "title",
    "level",
    "venue",
    "starts_at",
    "ends_at",
    "organizer",
    "officer",
    "requires_passes",
    "kind",
    "due_on",
)
MEETING_STATE = (
    "status",
    "closed_at",
    "closed_by",
    "close_note",
    "close_approver",
    "filed_ref",
    "filed_on",
    "filed_by",
    "plan_title",
)
ATTENDEE = TableView(
    "attendee",
    ("id",),
    (
        "code",
        "name",
        "unit",
        "title",
        "out_of_town",
        "clearance",
        "pass_number",
        "pledge_on",
        "briefed_on",
        "substitute_for_id",
    ),
    reference=True,
)
DOCUMENT = TableView(
    "document",
    ("id",),
    ("number", "title", "level", "copies", "collect_at_breaks", "may_take_away", "plan"),
    reference=True,
)
CARRIER_REFERENCE = ("kind", "document_id", "copy_number", "owner_id", "tag_uid")
CARRIER_STATE = (
    "tag_released",
    "state",
    "holder_id",
    "remembered_holder_id",
    "consignment_id",
    "state_since",
)
CARRIER = TableView("carrier", ("id",), (*CARRIER_REFERENCE, *CARRIER_STATE))
CONSIGNMENT_REFERENCE = ("number", "unit", "recipient", "attendee_id")
CONSIGNMENT = TableView(
    "consignment",
    ("id",),
    (*CONSIGNMENT_REFERENCE, "state", "dispatched_at", "received_at"),
)
ANSWER = TableView(
    "checklistanswer",
    ("checklist", "item"),
    (
        "item",
        "answer",
        "note",
        "operator",
        "answered_at",
        "accepted_by",
        "accept_note",
        "accepted_at",
    ),
)
RETIRED = TableView("retiredtag", ("uid",), ("carrier_id", "replaced_by", "at"))
DISPOSITION = TableView(
    "disposition",
    ("carrier_id",),
    ("kind", "seq", "at", "operator", "witnesses", "method", "location", "unit"),
)
MEETING_TABLES = (ATTENDEE, DOCUMENT, CARRIER, CONSIGNMENT, ANSWER, RETIRED, DISPOSITION)
"""The tables of a meeting's rows (the meeting row itself is compared apart)."""

OPERATOR_COLUMNS = ("role", "disabled", "card_uid", "pin", "failed_attempts", "locked_until")
"""What the system chain decides of an operator (``pin``: a digest of the row's PIN hash)."""
PLACE_COLUMNS = ("added_by", "added_at")
"""What the system chain decides of a registered place (keyed by kind and name)."""


@dataclass
class MeetingProjection:
    """The rows the ledger says a meeting has."""

    meeting: Row
    """The meeting row's columns the ledger decides."""
    tables: dict[str, Rows]
    reference: bool
    """The chain carries the reference facts (import snapshot): they are compared."""
    consignment_facts: bool
    """Every consignment's facts are in the chain (they are compared)."""


def _row(state: Any, columns: tuple[str, ...]) -> Row:
    """A state's columns by name, in plain form (a column added to a view is projected with no
    code here)."""
    return {c: plain(getattr(state, c)) for c in columns}


def project_meeting(world: MeetingWorld) -> MeetingProjection:
    """The rows of every table as ``world`` says they are."""
    m = world.meeting
    meeting: Row = {
        "status": m.status.value,
        "closed_at": plain(m.closed_at),
        "closed_by": m.closed_by,
        "close_approver": m.close_approver if m.status is MeetingStatus.CLOSED else "",
        "filed_ref": m.filed_ref,
        "filed_on": m.filed_on,
        "filed_by": m.filed_by,
        "plan_title": m.plan_title,
    }
    if m.close_note_recorded:
        meeting["close_note"] = m.close_note
    if m.snapshot:
        meeting.update(_row(m, MEETING_REFERENCE))
    tables: dict[str, Rows] = {
        "attendee": {(a.id,): _row(a, ATTENDEE.columns) for a in world.attendees.values()},
        "document": {(d.id,): _row(d, DOCUMENT.columns) for d in world.documents.values()},
        "carrier": {
            (c.id,): {
                "kind": c.kind,
                "document_id": c.document_id,
                "copy_number": c.copy_number,
                "owner_id": c.owner_id,
                "tag_uid": c.tag_uid,
                "tag_released": c.tag_released,
                "state": c.custody.state.value,
                "holder_id": c.custody.holder_id,
                "remembered_holder_id": c.custody.remembered_id,
                "consignment_id": c.custody.consignment_id,
                "state_since": plain(c.state_since),
            }
            for c in world.carriers.values()
        },
        "consignment": {(k.id,): _row(k, CONSIGNMENT.columns) for k in world.consignments.values()},
        "checklistanswer": {key: _row(a, ANSWER.columns) for key, a in world.answers.items()},
        "retiredtag": {(r.uid,): _row(r, RETIRED.columns) for r in world.retired.values()},
        "disposition": {
            (d.carrier_id,): _row(d, DISPOSITION.columns) for d in world.dispositions.values()
        },
    }
    return MeetingProjection(meeting, tables, m.snapshot, world.consignment_known)


def project_operators(world: SystemWorld) -> Rows:
    """The operator rows the system chain says there are, by name."""
    return {
        (op.name,): {
            "role": op.role,
            "disabled": op.disabled,
            "card_uid": op.card_uid,
            "pin": op.pin,
            "failed_attempts": op.failed_attempts,
            "locked_until": plain(op.locked_until),
        }
        for op in world.operators.values()
    }


def project_places(world: SystemWorld) -> Rows:
    """The place rows the system chain says there are, by (kind, name)."""
    return {key: _row(p, PLACE_COLUMNS) for key, p in world.places.items()}


# --- naming what differs -------------------------------------------------------------------------


def show(value: Any) -> str:
    """A value as a difference shows it."""
    if value is None or value == "":
        return messages.text("audit_empty")
    if isinstance(value, bool):
        return messages.text("audit_yes" if value else "audit_no")
    if isinstance(value, str) and len(value) > 60:
        return value[:57] + "…"
    return str(value)


def _column(field: str) -> str:
    return messages.COLUMN_LABEL.get(field, field)


class Namer:
    """Labels for rows and values, from the chain's own facts (the tables may be the forged part)."""

    def __init__(self, world: MeetingWorld) -> None:
        self.world = world

    def person(self, attendee_id: Any) -> str:
        if attendee_id is None:
            return messages.text("audit_nobody")
        a = self.world.attendees.get(attendee_id) if isinstance(attendee_id, int) else None
        return a.name if a else messages.text("audit_person_id", id=attendee_id)

    def row(self, table: str, key: tuple[Any, ...], row: Row | None) -> str:
        if table == "attendee":
            a = self.world.attendees.get(key[0])
            if a is not None:
                return f"{a.code} {a.name}"
            return f"{(row or {}).get('code', '?')} {(row or {}).get('name', '')}".strip()
        if table == "document":
            d = self.world.documents.get(key[0])
            return d.number if d else str((row or {}).get("number", "?"))
        if table == "carrier":
            if key[0] in self.world.carriers:
                return item_label(self.world, key[0])
            return messages.text("audit_carrier_id", id=key[0])
        if table == "consignment":
            k = self.world.consignments.get(key[0])
            number = k.number if k else (row or {}).get("number", key[0])
            return messages.text("audit_consignment", number=number)
        if table == "checklistanswer":
            item = (row or {}).get("item", key[1])
            return messages.text("audit_answer", checklist=key[0], item=item)
        if table == "retiredtag":
            return messages.text("audit_retired", uid=key[0])
        if table == "disposition":
            carrier = (
                item_label(self.world, key[0])
                if key[0] in self.world.carriers
                else messages.text("audit_carrier_id", id=key[0])
            )
            return messages.text("audit_disposition", item=carrier)
        return f"{table} {key}"

    def custody(self, row: Row) -> str:
        state = row.get("state")
        try:
            label = messages.STATE_LABEL[State(str(state))]
        except ValueError:
            label = show(state)
        who = row.get("holder_id") or row.get("remembered_holder_id")
        return (
            messages.text("audit_custody", state=label, holder=self.person(who)) if who else label
        )


def same(want: Any, have: Any) -> bool:
    """Equal as the ledger means it: an empty text and no value are both "nothing"."""
    return want == have or (want in ("", None) and have in ("", None))


def _differ(out: list[str], what: str, want: Any, have: Any) -> None:
    out.append(messages.text("audit_difference", what=what, want=show(want), have=show(have)))


CUSTODY = ("state", "holder_id", "remembered_holder_id")
"""Shown together: ``HY-01 第003份：台账为 已发放（赵娟），数据库为 已收回``."""


def _display(field: str, value: Any, namer: Namer) -> Any:
    if field in (
        "holder_id",
        "remembered_holder_id",
        "owner_id",
        "attendee_id",
        "substitute_for_id",
    ):
        return namer.person(value) if value is not None else None
    if field == "status":
        try:
            return messages.MEETING_STATUS_LABEL[MeetingStatus(value)]
        except ValueError:
            return value
    if field == "kind":
        try:
            return messages.KIND_LABEL[CarrierKind(value)]
        except ValueError:
            return value
    return value


def differences(
    projection: MeetingProjection,
    meeting_row: Row,
    tables: dict[str, Rows],
    world: MeetingWorld,
) -> list[str]:
    """Every cell, row and value where the tables differ from the projection, in plain words.

    Args:
        projection: what the ledger says.
        meeting_row: the meeting row as stored (plain values).
        tables: the meeting's rows of each table as stored (plain values), keyed as the
            projection keys them.
        world: the fold (to name rows and people).
    """
    out: list[str] = []
    namer = Namer(world)
    for field, want in projection.meeting.items():
        have = meeting_row.get(field)
        if not same(want, have):
            what = (
                messages.text("audit_meeting_status")
                if field == "status"
                else messages.text("audit_meeting_field", field=_column(field))
            )
            _differ(out, what, _display(field, want, namer), _display(field, have, namer))
    for view in MEETING_TABLES:
        if view.reference and not projection.reference:
            continue
        want_rows = projection.tables[view.table]
        have_rows = tables.get(view.table, {})
        columns = view.columns
        if view.table == "carrier" and not projection.reference:
            columns = CARRIER_STATE
        if view.table == "consignment" and not (
            projection.reference and projection.consignment_facts
        ):
            columns = tuple(c for c in columns if c not in CONSIGNMENT_REFERENCE)
            want_rows = {k: v for k, v in want_rows.items() if k in have_rows}
        _compare_rows(out, view.table, columns, want_rows, have_rows, namer)
    return out


def _compare_rows(
    out: list[str],
    table: str,
    columns: tuple[str, ...],
    want_rows: Rows,
    have_rows: Rows,
    namer: Namer,
) -> None:
    present, absent = messages.text("audit_present"), messages.text("audit_absent")

    def differs(key: Hashable) -> bool:  # (a carrier's CUSTODY is among its columns)
        want, have = want_rows.get(key), have_rows.get(key)
        if want is None or have is None:
            return True
        return any(not same(want.get(f), have.get(f)) for f in columns)

    # Only the rows that differ are named and sorted (a meeting's 100,000 carriers agree).
    for key in sorted(filter(differs, want_rows.keys() | have_rows.keys()), key=_sort_key):
        want, have = want_rows.get(key), have_rows.get(key)
        label = namer.row(table, key, want or have)  # type: ignore[arg-type]
        if have is None:
            _differ(out, label, present, absent)
            continue
        if want is None:
            _differ(out, label, absent, present)
            continue
        if table == "carrier" and any(not same(want[f], have.get(f)) for f in CUSTODY):
            _differ(out, label, namer.custody(want), namer.custody(have))
        for field in columns:
            if table == "carrier" and field in CUSTODY:
                continue
            if not same(want.get(field), have.get(field)):
                what = messages.text("audit_field", what=label, field=_column(field))
                _differ(
                    out,
                    what,
                    _display(field, want.get(field), namer),
                    _display(field, have.get(field), namer),
                )


def _sort_key(key: Hashable) -> tuple[Any, ...]:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in parts)


def operator_differences(want_rows: Rows, have_rows: Rows) -> list[str]:
    """Operators in the table against the system chain's, in plain words."""
    out: list[str] = []
    for key in sorted(want_rows.keys() | have_rows.keys(), key=_sort_key):
        name = key[0] if isinstance(key, tuple) else key
        want, have = want_rows.get(key), have_rows.get(key)
        if have is None:
            assert want is not None
            out.append(messages.text("system_missing_row", name=name, want=_operator(want)))
            continue
        if want is None:
            out.append(messages.text("system_extra_row", name=name, have=_operator(have)))
            continue
        for field in OPERATOR_COLUMNS:
            w, h = want.get(field), have.get(field)
            if field == "pin" and w is None:
                continue  # the chain has not recorded this operator's PIN yet (see init)
            if not same(w, h):
                what = messages.text(
                    "audit_field",
                    what=messages.text("system_operator", name=name),
                    field=messages.COLUMN_LABEL.get(f"operator_{field}", field),
                )
                shown_w, shown_h = (_role(w), _role(h)) if field == "role" else (w, h)
                if field == "pin":
                    shown_w, shown_h = (
                        messages.text("replay_pin_chain"),
                        messages.text("replay_pin_other"),
                    )
                _differ(out, what, shown_w, shown_h)
    return out


def place_differences(want_rows: Rows, have_rows: Rows) -> list[str]:
    """Registered places in the table against the system chain's, in plain words."""
    out: list[str] = []
    for key in sorted(want_rows.keys() | have_rows.keys(), key=_sort_key):
        kind, name = key if isinstance(key, tuple) else (key, "")
        label = messages.text(
            "audit_place", kind=messages.PLACE_KIND_LABEL.get(kind, kind), name=name
        )
        want, have = want_rows.get(key), have_rows.get(key)
        if have is None or want is None:
            present, absent = messages.text("audit_present"), messages.text("audit_absent")
            _differ(
                out, label, present if have is None else absent, absent if have is None else present
            )
            continue
        for field in PLACE_COLUMNS:
            if not same(want.get(field), have.get(field)):
                what = messages.text("audit_field", what=label, field=_column(field))
                _differ(out, what, want.get(field), have.get(field))
    return out


def _role(value: Any) -> Any:
    return messages.ROLE_LABEL.get(value, value) if isinstance(value, str) else value


def _operator(row: Row) -> str:
    disabled = messages.text("system_disabled") if row.get("disabled") else ""
    shown = messages.text("system_operator_state", role=_role(row.get("role")), disabled=disabled)
    card = row.get("card_uid")
    return shown + (messages.text("system_card", uid=card) if card else "")
