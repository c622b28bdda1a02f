"""Meeting-level services: list, status (outstanding per attendee), consignments, close."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import (
    append_event,
    approval,
    find_attendee,
    find_meeting,
    stamp,
)
from carrier_tracker.enums import CarrierKind, MeetingStatus
from carrier_tracker.errors import ConflictError
from carrier_tracker.ledger import as_utc, codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.meeting.policy import sweep_required, unsettled_items
from carrier_tracker.storage import readmodel
from carrier_tracker.storage.models import Attendee, Carrier, Consignment, Meeting, utcnow
from carrier_tracker.storage.readmodel import (
    OutItem,
    census,
    outstanding_count,
    reconciliation,
    state_counts,
    status_data,
)
from carrier_tracker.storage.tap_store import TapStore
from carrier_tracker.text_fields import check_consignment, check_who, code_key, printable


def _iso(at: datetime | None) -> str | None:
    return as_utc(at).isoformat().replace("+00:00", "Z") if at else None


def _local(at: datetime) -> str:
    """A stored time as people read it: local, to the second, with the year."""
    return as_utc(at).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def list_meetings(session: Session) -> list[dict[str, Any]]:
    """Every meeting with its headline numbers, newest first."""
    from carrier_tracker.meeting.disposition import waiting_counts

    waiting = waiting_counts(session)
    out = []
    for m in session.exec(select(Meeting).order_by(col(Meeting.id).desc())).all():
        assert m.id is not None
        by_state, _unbound = state_counts(session, m.id)
        out.append(
            {
                "code": m.code,
                "title": m.title,
                "level": m.level,
                "status": m.status,
                "venue": m.venue,
                "starts_at": _iso(m.starts_at),
                "carriers": sum(by_state.values()),
                "outstanding": outstanding_count(by_state),
                "to_dispose": waiting.get(m.id, 0),
            }
        )
    return out


def totals(session: Session, meeting: Meeting) -> dict[str, dict[str, int]]:
    """Counts by kind and state, every state present (zeros included)."""
    assert meeting.id is not None
    return census(session, meeting.id)[0]


def status(session: Session, meeting_code: str) -> dict[str, Any]:
    """The JSON-ready status of a meeting (shape documented in the README), from the read model
    (:func:`readmodel.status_data`, which ``status`` runs without an ORM session).

    Raises:
        NotFoundError: no such meeting.
    """
    return status_data(session, meeting_code)


def marked_people(session: Session, meeting: Meeting) -> list[dict[str, str]]:
    """People changed during the meeting (late, 代会 and the absent delegate), by code."""
    assert meeting.id is not None
    return readmodel.marked_people(session, meeting.id)


def open_consignment(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    number: str,
    unit: str,
    recipient: str = "",
    operator: str = "",
    station: str = "",
    now: datetime | None = None,
    attendee_code: str | None = None,
) -> Consignment:
    """Open a courier consignment to which copies can then be dispatched.

    A consignment belongs to a unit, or (``attendee_code``) to a delegate: it is addressed to
    the delegate's unit unless ``unit`` says otherwise, the delegate is its recipient unless
    ``recipient`` names someone, and copies the delegate holds may be handed in to it directly.

    Raises:
        NotFoundError: no such meeting or attendee.
        ConflictError: the number is taken, or the meeting is closed.
        TextError: neither a unit nor a delegate, or a bad value.
    """
    meeting = find_meeting(session, meeting_code)
    delegate = find_attendee(session, meeting, attendee_code) if attendee_code else None
    if delegate is not None:
        unit = unit or delegate.unit or delegate.name
        recipient = recipient or delegate.name
    number, unit, recipient = check_consignment(number=number, unit=unit, recipient=recipient)
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(messages.text("meeting_closed"))
    taken = session.exec(
        select(Consignment.number).where(Consignment.meeting_id == meeting.id)
    ).all()
    for existing in taken:  # one that differs only in case, width or invisible characters too
        if existing == number:
            raise ConflictError(messages.text("consignment_exists", number=number))
        if code_key(existing) == code_key(number):
            raise ConflictError(
                messages.text(
                    "code_collides",
                    label=messages.FIELD_LABEL["consignment"],
                    code=number,
                    other=printable(existing, 40),
                )
            )
    at = as_utc(now or utcnow())
    consignment = Consignment(
        created_at=at,
        meeting_id=meeting.id,  # type: ignore[arg-type]
        number=number,
        unit=unit,
        recipient=recipient,
        attendee_id=delegate.id if delegate is not None else None,
    )
    session.add(consignment)
    try:
        session.flush()
    except IntegrityError as e:
        raise ConflictError(messages.text("consignment_exists", number=number)) from e
    assert meeting.id is not None
    note = messages.text("consignment_line", number=number, unit=unit, recipient=recipient).strip()
    if delegate is not None:
        note += messages.text("consignment_delegate", code=delegate.code, name=delegate.name)
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=ev.ConsignmentOpened(
            stamp(operator=operator, station=station, note=note, now=at),
            codec.consignment_record(consignment),
        ),
    )
    return consignment


def describe_outstanding(item: OutItem, names: dict[str, str]) -> str:
    """One line naming an outstanding item (and who has it) for a refusal message."""
    label = messages.STATE_LABEL[item.state]
    who = names.get(item.attendee_code or "", "") or (
        messages.text("audit_consignment", number=item.consignment)
        if item.consignment
        else messages.text("group_unassigned")
    )
    return f"{item.label}  {label}  {who}"


def close_meeting(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    with_exceptions: bool = False,
    note: str = "",
    operator: str = "",
    station: str = "",
    never_opened: bool = False,
    approver: str = "",
    release_copy_tags: bool = False,
) -> Meeting:
    """Close a meeting once everything is back (lost items only with exceptions by an officer).

    Closing releases the meeting's pass tags (and, with ``release_copy_tags``, its copy tags) for
    reuse in another meeting: the close event's payload names each carrier and UID released; the
    carriers keep their UID for the record, marked released.

    A meeting that never opened (nothing was ever handed out) closes only with
    ``never_opened`` by an officer, and the close event says so. A custodian closes with
    exceptions (or a meeting that never opened) when ``approver``, an officer the caller
    authenticated, approves; the close event records the approver.

    Raises:
        NotFoundError: no such meeting.
        ConflictError: items are outstanding (listed in the message), or lost items without
            ``with_exceptions``, an officer and a note; the meeting never opened and
            ``never_opened`` was not given by an officer; or the meeting is closed already.
    """
    check_who(station=station, operator=operator, note=note)
    if approver:
        check_who(operator=approver)
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    TapStore(session).lock_head(meeting.id)  # no tap may slip in between the count and the close
    session.refresh(meeting)
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(
            messages.text("already_closed", code=meeting.code, at=_local(meeting.closed_at))
            if meeting.closed_at is not None
            else messages.text("already_closed_no_time", code=meeting.code)
        )
    audit = audit_meeting(session, key, meeting)  # the tables must be what the ledger says
    if not audit.ok:
        chain = audit.chain
        lines = [messages.text("close_audit_failed")]
        lines += (
            [
                messages.text(
                    "close_chain_broken", broken_seq=chain.broken_seq, problem=chain.problem
                )
            ]
            if not chain.ok
            else [f"  {d}" for d in audit.findings()]
        )
        raise ConflictError("\n".join(lines))
    planned = MeetingStatus(meeting.status).before_open
    if never_opened and not planned:
        status_label = messages.MEETING_STATUS_LABEL[MeetingStatus(meeting.status)]
        raise ConflictError(
            messages.text("never_opened_only", code=meeting.code, status=status_label)
        )
    approved_by = ""  # the officer who approved a custodian's exceptional close
    if planned:
        if not never_opened:
            raise ConflictError(messages.text("close_never_opened", code=meeting.code))
        officer, approved_by = approval(TapStore(session), operator, approver)
        if not officer:
            raise ConflictError(
                messages.text(
                    "close_never_opened_officer", operator=operator or messages.text("not_filled")
                )
            )
    # Everything that stands in the way is said at once: the sweep, what is out, what is lost.
    blocking: list[str] = []
    if sweep_required(meeting):  # 会后清场: every place searched before a classified meeting closes
        sweep = checklists.active()[checklists.SWEEP]
        open_items = unsettled_items(session, meeting, sweep)
        if open_items:
            blocking.append(
                messages.text(
                    "sweep_unsettled",
                    code=meeting.code,
                    items="、".join(f"{it.id}（{it.label}）" for it in open_items),
                )
            )
    recon = reconciliation(session, meeting)
    names = {
        a.code: a.name
        for a in session.exec(select(Attendee).where(Attendee.meeting_id == meeting.id)).all()
    }
    pending, lost = recon.pending, recon.lost_items
    if pending:
        blocking.append(messages.text("close_outstanding", count=len(pending)))
        blocking += ["  " + describe_outstanding(it, names) for it in pending]
    if lost and (not with_exceptions or not note.strip()):
        blocking.append(messages.text("close_lost", count=len(lost)))
        blocking += ["  " + describe_outstanding(it, names) for it in lost]
    if blocking:
        raise ConflictError("\n".join(blocking))
    if lost:
        officer, approved_by = approval(TapStore(session), operator, approver)
        if not officer:
            raise ConflictError(
                messages.text("close_officer", operator=operator or messages.text("not_filled"))
            )
    now = utcnow()
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = now
    meeting.closed_by = operator
    meeting.close_note = note or None
    meeting.close_approver = approved_by
    session.add(meeting)
    released, passes = _release_tags(session, meeting, copies=release_copy_tags)
    summary = (
        messages.text("closed_with_exceptions_note", n=len(lost), note=note)
        if lost
        else messages.text(
            "labelled_note", label=messages.text("closed_never_opened_note"), note=note
        ).rstrip(messages.text("label_colon"))
        if planned
        else note
    )
    if released:
        summary = messages.text("close_note_join").join(
            filter(
                None,
                [
                    summary,
                    messages.text("release_note", passes=passes, copies=len(released) - passes),
                ],
            )
        )
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=ev.Closed(
            stamp(operator=operator, approver=approved_by, station=station, note=summary, now=now),
            released=tuple(sorted(released.items())),
            close_note=note,
            with_exceptions=bool(lost),
            never_opened=planned,
            detailed=True,
        ),
    )
    return meeting


def _release_tags(
    session: Session, meeting: Meeting, *, copies: bool
) -> tuple[dict[int, str], int]:
    """Mark the meeting's bound pass tags (and copy tags with ``copies``) released, for reuse
    in another meeting; the caller records them in the close event.

    Returns:
        Carrier id → the UID released, and how many of them are passes.
    """
    kinds = [CarrierKind.PASS.value] + ([CarrierKind.COPY.value] if copies else [])
    rows = session.exec(
        select(Carrier.id, Carrier.tag_uid, Carrier.kind).where(
            Carrier.meeting_id == meeting.id,
            col(Carrier.kind).in_(kinds),
            col(Carrier.tag_uid).is_not(None),
            col(Carrier.tag_released).is_(False),
        )
    ).all()
    released = {cid: str(uid) for cid, uid, _kind in rows if cid is not None}
    passes = sum(1 for _cid, _uid, kind in rows if kind == CarrierKind.PASS.value)
    if released:  # the same rows, by the same predicate (a meeting may have thousands)
        table = Carrier.__table__  # type: ignore[attr-defined]
        session.connection().execute(
            update(table)
            .where(
                table.c.meeting_id == meeting.id,
                table.c.kind.in_(kinds),
                table.c.tag_uid.is_not(None),
                table.c.tag_released.is_(False),
            )
            .values(tag_released=True)
        )
    return released, passes
