"""The policy around custody: filing (备案) a meeting, answering its checklists, the sweep.

Every record is a ledger event of the meeting, with operator and time: ``file`` (payload: the
备案's reference, date, approving officer and plan title), ``check`` (one item answered) and
``check_accept`` (an officer accepts a 不符合 answer, with a note). ``verify`` replays them
(``audit.Expected``) and compares the meeting's filing columns and the ``checklistanswer`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from carrier_tracker import messages
from carrier_tracker.custody import checklists as cl
from carrier_tracker.custody.service import append_event, approval, find_meeting, stamp
from carrier_tracker.enums import Action, Answer, Level, MeetingKind, MeetingStatus, requires_filing
from carrier_tracker.errors import ConflictError, NotFoundError
from carrier_tracker.ledger import as_utc, codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    ChecklistAnswer,
    Document,
    Event,
    Meeting,
    utcnow,
)
from carrier_tracker.storage.tap_store import TapStore
from carrier_tracker.text_fields import (
    FILING_REF,
    NOTE,
    PLAN_TITLE,
    check_code,
    check_text,
    check_who,
)


def _locked(session: Session, meeting_code: str) -> Meeting:
    """The meeting, with its ledger head locked (no tap slips in), re-read under the lock."""
    meeting = find_meeting(session, meeting_code)
    assert meeting.id is not None
    TapStore(session).lock_head(meeting.id)
    session.refresh(meeting)
    return meeting


# --- filing -----------------------------------------------------------------------------------


def _filing_texts(ref: str, plan_title: str) -> tuple[str, str]:
    ref = check_code(f"--ref（{messages.FIELD_LABEL['filed_ref']}）", ref, FILING_REF)
    plan = check_text(
        f"--plan-title（{messages.FIELD_LABEL['plan_title']}）", plan_title, PLAN_TITLE
    )
    return ref, plan


def _filable(meeting: Meeting) -> None:
    status = MeetingStatus(meeting.status)
    if not status.before_open:
        raise ConflictError(
            messages.text(
                "file_after_open", code=meeting.code, status=messages.MEETING_STATUS_LABEL[status]
            )
        )


def check_filing(*, session: Session, meeting_code: str, ref: str, plan_title: str = "") -> None:
    """What a filing names and says, checked before anyone authenticates (the command line asks
    this before any PIN): the reference and title, the meeting, and that it has not opened.
    Records nothing; :func:`file_meeting` checks it all again under the meeting's lock.

    Raises:
        NotFoundError: no such meeting.
        ConflictError: the meeting has opened or closed.
        TextError: the reference or title is empty, too long or malformed.
    """
    _filing_texts(ref, plan_title)
    _filable(find_meeting(session, meeting_code))


def file_meeting(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    ref: str,
    on: date,
    plan_title: str = "",
    operator: str = "",
    approver: str = "",
    station: str = "",
    now: datetime | None = None,
) -> Meeting:
    """Record a meeting's 备案 with the secrecy office: draft → filed (filing again before the
    meeting opens corrects the record).

    Args:
        ref: the secrecy office's reference number.
        on: the date of the filing.
        plan_title: the title of the 专项保密工作方案 (optional).
        operator: who records it (an officer, or a custodian with ``approver``).
        approver: an officer the caller authenticated.

    Raises:
        NotFoundError: no such meeting.
        ConflictError: the meeting has opened or closed, or no officer approves.
        TextError: the reference or title is empty, too long or malformed.
    """
    check_who(station=station, operator=operator)
    ref, plan = _filing_texts(ref, plan_title)
    meeting = _locked(session, meeting_code)
    _filable(meeting)
    officer, approved_by = approval(TapStore(session), operator, approver)
    if not officer:
        raise ConflictError(
            messages.text("file_officer", operator=operator or messages.text("not_filled"))
        )
    meeting.filed_ref, meeting.filed_on = ref, on
    meeting.filed_by, meeting.plan_title = approved_by or operator, plan or None
    meeting.status = MeetingStatus.FILED
    session.add(meeting)
    session.flush()
    assert meeting.id is not None
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=ev.Filed(
            stamp(
                operator=operator,
                approver=approved_by,
                station=station,
                note=messages.text(
                    "filed", code=meeting.code, ref=ref, date=on.isoformat(), by=meeting.filed_by
                ),
                now=now,
            ),
            ref=meeting.filed_ref,
            on=on.isoformat(),
            by=meeting.filed_by,
            plan_title=meeting.plan_title,
        ),
    )
    return meeting


# --- checklists -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemStatus:
    """One checklist item with its current answer (None: unanswered)."""

    item: cl.Item
    answer: Answer | None = None
    note: str = ""
    operator: str = ""
    answered_at: datetime | None = None
    accepted_by: str | None = None
    accept_note: str | None = None
    accepted_at: datetime | None = None

    @property
    def settled(self) -> bool:
        """符合 or 不适用, or 不符合 accepted by an officer."""
        return cl.settled(self.answer.value if self.answer else None, bool(self.accepted_by))

    def as_json(self) -> dict[str, Any]:
        """The JSON shape of ``checklist --json``."""
        return {
            "id": self.item.id,
            "label": self.item.label,
            "text": self.item.text,
            "answer": self.answer.value if self.answer else None,
            "answer_label": messages.ANSWER_LABEL[self.answer] if self.answer else None,
            "note": self.note,
            "operator": self.operator,
            "answered_at": _iso(self.answered_at),
            "accepted_by": self.accepted_by,
            "accept_note": self.accept_note,
            "accepted_at": _iso(self.accepted_at),
            "settled": self.settled,
        }


def _iso(at: datetime | None) -> str | None:
    return as_utc(at).isoformat().replace("+00:00", "Z") if at else None


def _rows(session: Session, meeting: Meeting, checklist: str) -> dict[str, ChecklistAnswer]:
    rows = session.exec(
        select(ChecklistAnswer).where(
            ChecklistAnswer.meeting_id == meeting.id, ChecklistAnswer.checklist == checklist
        )
    ).all()
    return {r.item.lower(): r for r in rows}


def checklist_status(
    session: Session, meeting: Meeting, checklist: cl.Checklist
) -> list[ItemStatus]:
    """Every item of a checklist, in its order, with the meeting's answer."""
    rows = _rows(session, meeting, checklist.name)
    out = []
    for it in checklist.items:
        r = rows.get(it.id.lower())
        if r is None:
            out.append(ItemStatus(it))
            continue
        out.append(
            ItemStatus(
                it,
                Answer(r.answer),
                r.note,
                r.operator,
                r.answered_at,
                r.accepted_by,
                r.accept_note,
                r.accepted_at,
            )
        )
    return out


def _item(checklist: cl.Checklist, item_id: str) -> cl.Item:
    found = checklist.item(item_id.strip())
    if found is None:
        raise NotFoundError(
            messages.text(
                "checklist_no_item",
                checklist=checklist.title,
                item=item_id,
                items="、".join(f"{i.id}（{i.label}）" for i in checklist.items),
            )
        )
    return found


def paperwork_done(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    ref: str,
    on: date,
    operator: str,
    plan_title: str = "",
    remark: str = "",
    station: str = "",
    now: datetime | None = None,
) -> None:
    """An officer's paperwork before the first tap, in one transaction: the meeting filed
    (:func:`file_meeting`) and every item of the venue check in force answered 符合
    (:func:`answer_items`, each with ``remark``). What the demo does for its custodian and
    what every benchmark's meeting needs before it records taps."""
    file_meeting(
        session=session,
        key=key,
        meeting_code=meeting_code,
        ref=ref,
        on=on,
        plan_title=plan_title,
        operator=operator,
        station=station,
        now=now,
    )
    venue = cl.active()[cl.VENUE]
    answer_items(
        session=session,
        key=key,
        meeting_code=meeting_code,
        checklist=venue,
        answers=[(item.id, Answer.OK, remark) for item in venue.items],
        operator=operator,
        station=station,
        now=now,
    )


def _answers(
    checklist: cl.Checklist, answers: list[tuple[str, Answer, str]]
) -> list[tuple[cl.Item, Answer, str]]:
    return [
        (_item(checklist, item_id), answer, check_text(messages.COLUMN_LABEL["note"], note, NOTE))
        for item_id, answer, note in answers
    ]


def _acceptance(
    checklist: cl.Checklist, item_id: str | None, note: str
) -> tuple[str, cl.Item | None]:
    note = check_text(f"--note（{messages.FIELD_LABEL['note']}）", note, NOTE)
    if not note:
        raise ConflictError(messages.text("checklist_accept_note"))
    return note, _item(checklist, item_id) if item_id else None


def _open_checklist(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise ConflictError(messages.text("checklist_closed", code=meeting.code))


def check_checklist(
    *,
    session: Session,
    meeting_code: str,
    checklist: cl.Checklist,
    answers: list[tuple[str, Answer, str]],
    accept: bool = False,
    item_id: str | None = None,
    note: str = "",
) -> None:
    """What a checklist command names and says, checked before anyone authenticates (the command
    line asks this before any PIN): the items and notes of the answers, an acceptance's item and
    note, the meeting, and that it has not closed. Records nothing; :func:`answer_items` and
    :func:`accept_items` check it all again under the meeting's lock.

    Raises:
        NotFoundError: no such meeting, or an item the checklist does not have.
        ConflictError: no note for an acceptance, or the meeting is closed.
        TextError: a note too long or malformed.
    """
    _answers(checklist, answers)
    if accept:
        _acceptance(checklist, item_id, note)
    _open_checklist(find_meeting(session, meeting_code))


def answer_items(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    checklist: cl.Checklist,
    answers: list[tuple[str, Answer, str]],
    operator: str = "",
    station: str = "",
    now: datetime | None = None,
) -> list[ItemStatus]:
    """Answer items of a checklist (one ``check`` event each, one transaction). A new answer
    replaces the old one and drops an officer's acceptance of it.

    Args:
        answers: (item id, answer, note) in order; every item is checked before any is written.

    Raises:
        NotFoundError: no such meeting, or an item the checklist does not have.
        ConflictError: the meeting is closed.
        TextError: a note too long or malformed.
    """
    check_who(station=station, operator=operator)
    items = _answers(checklist, answers)
    meeting = _locked(session, meeting_code)
    _open_checklist(meeting)
    now = as_utc(now or utcnow())
    rows = _rows(session, meeting, checklist.name)
    for it, answer, note in items:
        row = rows.get(it.id.lower())
        if row is None:
            assert meeting.id is not None
            row = ChecklistAnswer(
                meeting_id=meeting.id,
                checklist=checklist.name,
                item=it.id,
                answer=answer.value,
                answered_at=now,
            )
            rows[it.id.lower()] = row
        row.answer, row.note, row.operator, row.answered_at = answer.value, note, operator, now
        row.accepted_by = row.accept_note = row.accepted_at = None
        session.add(row)
        session.flush()
        assert meeting.id is not None
        append_event(
            session=session,
            key=key,
            meeting_id=meeting.id,
            event=ev.Checked(
                stamp(
                    operator=operator,
                    station=station,
                    note=messages.text(
                        "checklist_answered",
                        checklist=checklist.title,
                        item=it.id,
                        label=it.label,
                        answer=messages.ANSWER_LABEL[answer],
                        note=f"：{note}" if note else "",
                    ),
                    now=now,
                ),
                checklist=checklist.name,
                item=it.id,
                answer=answer.value,
                answer_note=note,
            ),
        )
    return checklist_status(session, meeting, checklist)


def accept_items(
    *,
    session: Session,
    key: bytes,
    meeting_code: str,
    checklist: cl.Checklist,
    item_id: str | None,
    note: str,
    operator: str = "",
    approver: str = "",
    station: str = "",
    now: datetime | None = None,
) -> list[ItemStatus]:
    """An officer accepts 不符合 answers with a note: the one named, or every one not yet
    accepted (one ``check_accept`` event each).

    Raises:
        NotFoundError: no such meeting or item.
        ConflictError: no note, no officer, the item is not an unaccepted 不符合, nothing to
            accept, or the meeting is closed.
    """
    check_who(station=station, operator=operator)
    note, wanted = _acceptance(checklist, item_id, note)
    meeting = _locked(session, meeting_code)
    _open_checklist(meeting)
    officer, approved_by = approval(TapStore(session), operator, approver)
    if not officer:
        raise ConflictError(
            messages.text(
                "checklist_accept_officer", operator=operator or messages.text("not_filled")
            )
        )
    now = as_utc(now or utcnow())
    rows = _rows(session, meeting, checklist.name)
    if wanted is not None:
        row = rows.get(wanted.id.lower())
        if row is None or row.answer != Answer.FAIL or row.accepted_by:
            shown = (
                messages.ANSWER_LABEL[Answer(row.answer)]
                if row is not None
                else messages.text("checklist_unanswered")
            )
            if row is not None and row.accepted_by:
                shown += messages.text("checklist_already_accepted")
            raise ConflictError(
                messages.text(
                    "checklist_accept_not_failed", item=wanted.id, label=wanted.label, answer=shown
                )
            )
        targets = [(wanted, row)]
    else:
        targets = [
            (it, rows[it.id.lower()])
            for it in checklist.items
            if it.id.lower() in rows
            and rows[it.id.lower()].answer == Answer.FAIL
            and not rows[it.id.lower()].accepted_by
        ]
        if not targets:
            raise ConflictError(
                messages.text("checklist_accept_nothing", checklist=checklist.title)
            )
    by = approved_by or operator
    for it, row in targets:
        row.accepted_by, row.accept_note, row.accepted_at = by, note, now
        session.add(row)
        assert meeting.id is not None
        append_event(
            session=session,
            key=key,
            meeting_id=meeting.id,
            event=ev.CheckAccepted(
                stamp(operator=operator, approver=approved_by, station=station, note=note, now=now),
                checklist=checklist.name,
                item=it.id,
                by=by,
            ),
        )
    session.flush()
    return checklist_status(session, meeting, checklist)


def unsettled_items(
    session: Session, meeting: Meeting, checklist: cl.Checklist
) -> tuple[cl.Item, ...]:
    """Items not yet settled (unanswered, or 不符合 not accepted)."""
    return tuple(s.item for s in checklist_status(session, meeting, checklist) if not s.settled)


def sweep_required(meeting: Meeting) -> bool:
    """A 秘密-or-above meeting that opened is swept before it closes (a trip has no sweep)."""
    return (
        requires_filing(Level(meeting.level))
        and meeting.status == MeetingStatus.OPEN
        and meeting.kind != MeetingKind.TRIP
    )


# --- the sweep's findings ---------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A tagged carrier tapped in 巡检 mode: where, what, whose, by whom, when."""

    at: datetime
    room: str
    item: str
    holder: str
    operator: str
    verdict: str
    message: str


def sweep_findings(session: Session, meeting: Meeting) -> list[Finding]:
    """Every 巡检 tap of the meeting, in ledger order (accepted finds and the rest)."""
    events = session.exec(
        select(Event)
        .where(Event.meeting_id == meeting.id, Event.action == Action.SWEEP.value)
        .order_by(col(Event.seq))
    ).all()
    swept = {ev.carrier_id for ev in events if ev.carrier_id is not None}
    carriers = {  # only the swept ones: a national meeting has 100,000 copies
        c.id: c for c in session.exec(select(Carrier).where(col(Carrier.id).in_(swept)))
    }
    docs = {
        d.id: d for d in session.exec(select(Document).where(Document.meeting_id == meeting.id))
    }
    people = {
        a.id: a for a in session.exec(select(Attendee).where(Attendee.meeting_id == meeting.id))
    }
    out = []
    for row in events:
        tap = codec.decode(row)
        c = carriers.get(row.carrier_id) if row.carrier_id is not None else None
        if c is None:
            item = row.tag_uid or ""
        elif c.document_id is not None:
            d = docs.get(c.document_id)
            item = messages.text("copy_item", doc=d.number if d else "?", copy=c.copy_number)
        else:
            owner = people.get(c.owner_id) if c.owner_id is not None else None
            item = messages.text(
                "pass_item",
                number=(owner.pass_number or owner.code) if owner else "?",
                name=owner.name if owner else "?",
            )
        person = people.get(row.attendee_id) if row.attendee_id is not None else None
        out.append(
            Finding(
                at=row.at,
                room=tap.room if isinstance(tap, ev.Tapped) else "",
                item=item,
                holder=person.name if person else "",
                operator=row.operator,
                verdict=row.verdict,
                message=row.reason or "",
            )
        )
    return out
