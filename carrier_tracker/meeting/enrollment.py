"""Binding tags to copies and passes (the ``enroll`` step of docs/architecture.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody.service import (
    append_event,
    find_attendee,
    find_meeting,
    item_label,
    stamp,
)
from carrier_tracker.enums import CarrierKind, MeetingStatus
from carrier_tracker.errors import ConflictError, NotFoundError
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Document,
    Meeting,
    Operator,
    RetiredTag,
)
from carrier_tracker.uids import normalize_uid


@dataclass(frozen=True)
class Binding:
    """A tag now bound to a carrier; ``already`` when it was bound to it before."""

    item: str
    uid: str
    already: bool


def describe_carrier(session: Session, carrier: Carrier) -> tuple[str, str]:
    """``(item label, meeting code)`` of a carrier, for messages."""
    document = session.get(Document, carrier.document_id) if carrier.document_id else None
    owner = session.get(Attendee, carrier.owner_id) if carrier.owner_id else None
    meeting = session.get(Meeting, carrier.meeting_id)
    return item_label(carrier, document, owner), meeting.code if meeting else "?"


def where_bound(session: Session, carrier: Carrier) -> tuple[str, str]:
    """``(meeting code, item)`` of a bound carrier as a refusal names it: ``HY-01 第003份``,
    or ``会议证 A001 张伟`` for a pass."""
    if carrier.kind == CarrierKind.PASS and carrier.owner_id is not None:
        owner = session.get(Attendee, carrier.owner_id)
        meeting = session.get(Meeting, carrier.meeting_id)
        assert owner is not None
        item = messages.text("pass_where", number=owner.pass_number or owner.code, name=owner.name)
        return (meeting.code if meeting else "?"), item
    item, code = describe_carrier(session, carrier)
    return code, item


def bound_carrier(session: Session, uid: str) -> Carrier | None:
    """The carrier a UID is bound to now, in any meeting (released tags are bound to none)."""
    return session.exec(
        select(Carrier).where(Carrier.tag_uid == uid, col(Carrier.tag_released).is_(False))
    ).first()


def card_owner(session: Session, uid: str) -> str | None:
    """The operator whose card this UID is: a carrier's tag never is one (nor the other way
    round: ``operator bind-card`` refuses a carrier's tag, retired ones included)."""
    return session.exec(select(Operator.name).where(Operator.card_uid == uid)).first()


def _bound_elsewhere(session: Session, uid: str) -> ConflictError:
    other = bound_carrier(session, uid)
    meeting, item = where_bound(session, other) if other is not None else ("?", "?")
    return ConflictError(messages.text("uid_bound_where", uid=uid, meeting=meeting, item=item))


def _bind(
    session: Session,
    key: bytes,
    meeting: Meeting,
    carrier: Carrier,
    uid: str,
    operator: str,
    station: str,
) -> Binding:
    tag = normalize_uid(uid)
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(messages.text("meeting_closed"))
    item, _ = describe_carrier(session, carrier)
    if carrier.tag_uid == tag:
        return Binding(item, tag, already=True)
    if carrier.tag_uid is not None:
        raise ConflictError(messages.text("carrier_bound", item=item, uid=carrier.tag_uid))
    retired = session.get(RetiredTag, tag)
    if retired is not None:  # a retag took it off its carrier: refused forever
        raise ConflictError(messages.text("tag_retired", new=retired.replaced_by))
    if (owner := card_owner(session, tag)) is not None:
        raise ConflictError(messages.text("uid_is_card", uid=tag, name=owner))
    if bound_carrier(session, tag) is not None:  # here or in a meeting that still holds it
        raise _bound_elsewhere(session, tag)
    try:
        with session.begin_nested():  # a savepoint: losing a race leaves the transaction usable
            carrier.tag_uid = tag
            session.add(carrier)
            session.flush()
    except IntegrityError as e:  # another desk bound the tag after our check: say to what
        raise _bound_elsewhere(session, tag) from e
    assert meeting.id is not None and carrier.id is not None
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=ev.Bound(
            stamp(operator=operator, station=station),
            carrier_id=carrier.id,
            uid=tag,
            state=carrier.state,
        ),
    )
    return Binding(item, tag, already=False)


def copy_carrier(session: Session, meeting: Meeting, doc_no: str, copy_no: int) -> Carrier:
    """The carrier of copy ``copy_no`` of document ``doc_no``.

    Raises:
        NotFoundError: no such document or copy.
    """
    document = session.exec(
        select(Document).where(Document.meeting_id == meeting.id, Document.number == doc_no)
    ).first()
    if document is None:
        raise NotFoundError(messages.text("no_document", meeting=meeting.code, number=doc_no))
    carrier = session.exec(
        select(Carrier).where(Carrier.document_id == document.id, Carrier.copy_number == copy_no)
    ).first()
    if carrier is None:
        raise NotFoundError(
            messages.text("no_copy", number=doc_no, copy=copy_no, copies=document.copies)
        )
    return carrier


def pass_carrier(session: Session, attendee: Attendee) -> Carrier:
    """The pass carrier of an attendee (created at import)."""
    carrier = session.exec(
        select(Carrier).where(Carrier.kind == CarrierKind.PASS, Carrier.owner_id == attendee.id)
    ).one()
    return carrier


def bind_copy(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    doc_no: str,
    copy_no: int,
    uid: str,
    operator: str = "",
    station: str = "",
) -> Binding:
    """Bind a tag to a numbered copy.

    Raises:
        NotFoundError: no such meeting, document or copy.
        ConflictError: the tag is bound elsewhere, or the copy has another tag.
        BadUid: the UID is malformed.
    """
    meeting = find_meeting(session, meeting_code)
    carrier = copy_carrier(session, meeting, doc_no, copy_no)
    return _bind(session, key, meeting, carrier, uid, operator, station)


def bind_pass(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    attendee_code: str,
    uid: str,
    operator: str = "",
    station: str = "",
) -> Binding:
    """Bind a tag to an attendee's pass.

    Raises:
        NotFoundError: no such meeting or attendee.
        ConflictError: the tag is bound elsewhere, or the pass has another tag.
        BadUid: the UID is malformed.
    """
    meeting = find_meeting(session, meeting_code)
    attendee = find_attendee(session, meeting, attendee_code)
    return _bind(session, key, meeting, pass_carrier(session, attendee), uid, operator, station)
