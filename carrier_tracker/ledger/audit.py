"""The ledger as the source of truth: replay a meeting's chain and compare it with the tables.

Every fact that decides an outcome enters the chain: the import event carries a snapshot of the
meeting, its attendees, documents and carriers (``payload``, canonical JSON covered by the
event's hash); binding events carry the tag; consignment events their number and unit; custody
events fold into each carrier's state with :func:`rules.apply`; the first accepted tap opens the
meeting and the close event closes it. :func:`audit_meeting` verifies the hash chain and, in the
same pass over the events, rebuilds what every row should hold, then names each difference in
plain words (``HY-01 第003份：台账为 已发放（赵娟），数据库为 已收回``).

What it cannot prove: whoever holds both the key file and the database can rewrite history and
re-sign it. The anchor against that lives outside the database — the head hash and event count
printed on every export, carry list and close (``verify --anchor``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from carrier_tracker import ledger, messages
from carrier_tracker.custody.rules import Change, Custody, apply
from carrier_tracker.custody.service import change_of
from carrier_tracker.enums import (
    MODE_ACTION,
    Action,
    CarrierKind,
    Level,
    MeetingStatus,
    State,
    Verdict,
)
from carrier_tracker.ledger import ChainReport, ChainVerifier, keyring
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    ChecklistAnswer,
    Consignment,
    Document,
    LedgerHead,
    Meeting,
    RetiredTag,
)

TAP_ACTIONS = frozenset(a.value for a in MODE_ACTION.values())
MEETING_FIELDS = (
    "code",
    "title",
    "level",
    "venue",
    "starts_at",
    "ends_at",
    "organizer",
    "officer",
    "requires_passes",
)
ATTENDEE_FIELDS = (
    "code",
    "name",
    "unit",
    "title",
    "out_of_town",
    "clearance",
    "pass_number",
    "pledge_on",
    "briefed_on",
)
PLEDGE_FIELDS = ("pledge_on", "briefed_on")
"""What a pledge event sets on its attendee (snapshots from before pledges lack them: None)."""
ATTENDEE_CHANGE_FIELDS = (*ATTENDEE_FIELDS, "substitute_for_id")
"""What verify compares of an attendee: the import's snapshot fields (an imported attendee
substitutes no one) and the substitution link a 代会 event sets."""
RETIRED_FIELDS = ("carrier_id", "replaced_by")
DOCUMENT_FIELDS = (
    "number",
    "title",
    "level",
    "copies",
    "collect_at_breaks",
    "may_take_away",
    "plan",
)
CARRIER_FIELDS = ("kind", "document_id", "copy_number", "owner_id")
CONSIGNMENT_FIELDS = ("number", "unit", "recipient", "attendee_id")
# Values of fields added after a snapshot was taken (older payloads lack them).
DOCUMENT_DEFAULTS: dict[str, Any] = {"plan": ""}
CONSIGNMENT_DEFAULTS: dict[str, Any] = {"attendee_id": None}
FILING_FIELDS = ("filed_ref", "filed_on", "filed_by", "plan_title")
ANSWER_FIELDS = (
    "answer",
    "note",
    "operator",
    "answered_at",
    "accepted_by",
    "accept_note",
    "accepted_at",
)


def _plain(value: Any) -> Any:
    """A column value as it goes into a snapshot: times as UTC ISO strings, dates as ISO
    strings, bools as bools."""
    if isinstance(value, datetime):
        return ledger.as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _row(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def canonical(data: Any) -> str:
    """Canonical JSON (sorted keys, no spaces, UTF-8 text) — what a payload holds."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def import_snapshot(session: Session, meeting: Meeting) -> str:
    """The payload of an import event: the meeting's reference facts as just written."""
    people = session.exec(
        select(Attendee).where(Attendee.meeting_id == meeting.id).order_by(col(Attendee.id))
    ).all()
    docs = session.exec(
        select(Document).where(Document.meeting_id == meeting.id).order_by(col(Document.id))
    ).all()
    table = Carrier.__table__  # type: ignore[attr-defined]
    carriers = (
        session.connection()
        .execute(
            select(
                table.c.id,
                table.c.kind,
                table.c.document_id,
                table.c.copy_number,
                table.c.owner_id,
                table.c.tag_uid,
            )  # type: ignore[call-overload]
            .where(table.c.meeting_id == meeting.id)
            .order_by(table.c.id)
        )
        .all()
    )
    return canonical(
        {
            "meeting": _row(meeting, MEETING_FIELDS),
            "attendees": {str(a.id): _row(a, ATTENDEE_FIELDS) for a in people},
            "documents": {str(d.id): _row(d, DOCUMENT_FIELDS) for d in docs},
            "carriers": {str(c[0]): list(c[1:]) for c in carriers},
        }
    )


def pledge_payload(attendee: Attendee) -> str:
    """The payload of a pledge event: the attendee and its pledge and briefing days, as set."""
    return canonical({"attendee": attendee.id, **_row(attendee, PLEDGE_FIELDS)})


def release_snapshot(released: dict[int, str]) -> str:
    """The payload of a close event that released tags: carrier id → the UID released."""
    return canonical({"released": {str(cid): uid for cid, uid in sorted(released.items())}})


def consignment_snapshot(consignment: Consignment) -> str:
    """The payload of a consignment event."""
    return canonical({"id": consignment.id, **_row(consignment, CONSIGNMENT_FIELDS)})


@dataclass
class Expected:
    """What the tables should hold, rebuilt from the chain."""

    meeting: dict[str, Any] | None = None
    status: MeetingStatus = MeetingStatus.DRAFT
    closed_by: str | None = None
    filing: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(FILING_FIELDS))
    answers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """(checklist, item in lower case) → the answer row's fields, from check/check_accept."""
    attendees: dict[int, dict[str, Any]] = field(default_factory=dict)
    documents: dict[int, dict[str, Any]] = field(default_factory=dict)
    carriers: dict[int, dict[str, Any]] = field(default_factory=dict)
    tags: dict[int, str | None] = field(default_factory=dict)
    released: set[int] = field(default_factory=set)
    """Carriers whose tag the meeting released at its close (free for another meeting)."""
    custody: dict[int, Custody] = field(default_factory=dict)
    consignments: dict[int, dict[str, Any]] = field(default_factory=dict)
    retired: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Tags a retag took off their carrier: uid → carrier and replacement."""
    snapshot: bool = False

    def receive(self, ev: Any) -> None:
        """A receipt (回执) by consignment number: every copy of the consignment still in
        transit is delivered, as if each had been tapped 签收."""
        delivered = Change(
            Action.DELIVER, Verdict.ACCEPTED, State.DELIVERED, consignment_id=ev.consignment_id
        )
        for cid, custody in self.custody.items():
            if custody.state is State.IN_TRANSIT and custody.consignment_id == ev.consignment_id:
                self.custody[cid] = apply(custody, delivered)

    def feed(self, ev: Any) -> None:
        """Fold one event (in seq order) into the expected state."""
        if ev.verdict != Verdict.ACCEPTED.value:
            return
        action = ev.action
        if action == Action.IMPORT.value and ev.payload:
            data = json.loads(ev.payload)
            self.snapshot = True
            self.meeting = data["meeting"]
            self.attendees = {
                int(k): {**v, "substitute_for_id": None} for k, v in data["attendees"].items()
            }
            self.documents = {
                int(k): {**DOCUMENT_DEFAULTS, **v} for k, v in data["documents"].items()
            }
            for k, (kind, doc, copy_no, owner, tag) in data["carriers"].items():
                cid = int(k)
                self.carriers[cid] = {
                    "kind": kind,
                    "document_id": doc,
                    "copy_number": copy_no,
                    "owner_id": owner,
                }
                self.tags[cid] = tag
        elif action == Action.ENROLL.value and ev.carrier_id is not None:
            self.tags[ev.carrier_id] = ev.tag_uid
        elif action == Action.CONSIGNMENT.value and ev.payload:
            data = json.loads(ev.payload)
            self.consignments[int(data["id"])] = {
                f: data.get(f, CONSIGNMENT_DEFAULTS.get(f)) for f in CONSIGNMENT_FIELDS
            }
        elif action == Action.PLEDGE.value and ev.payload:
            data = json.loads(ev.payload)
            person = self.attendees.get(int(data["attendee"]))
            if person is not None:
                person.update({f: data.get(f) for f in PLEDGE_FIELDS})
        elif action in (Action.ATTENDEE_ADD.value, Action.SUBSTITUTE.value) and ev.payload:
            data = json.loads(ev.payload)
            person = dict(data["attendee"])
            self.attendees[int(person.pop("id"))] = person
            cid, kind, doc, copy_no, owner = data["carrier"]
            self.carriers[int(cid)] = {
                "kind": kind,
                "document_id": doc,
                "copy_number": copy_no,
                "owner_id": owner,
            }
            self.tags[int(cid)] = None
        elif action == Action.COPIES_ADD.value and ev.payload:
            data = json.loads(ev.payload)
            doc_id = int(data["document_id"])
            if doc_id in self.documents:
                self.documents[doc_id] = {**self.documents[doc_id], "copies": data["copies"]}
            for k, (kind, doc, copy_no, owner) in data["carriers"].items():
                self.carriers[int(k)] = {
                    "kind": kind,
                    "document_id": doc,
                    "copy_number": copy_no,
                    "owner_id": owner,
                }
                self.tags[int(k)] = None
        elif action == Action.RETAG.value and ev.payload and ev.carrier_id is not None:
            data = json.loads(ev.payload)
            self.tags[ev.carrier_id] = data["new"]
            self.retired[data["old"]] = {"carrier_id": ev.carrier_id, "replaced_by": data["new"]}
        elif action in (Action.WITHDRAW.value, Action.VOID.value) and ev.carrier_id is not None:
            self.custody[ev.carrier_id] = apply(
                self.custody.get(ev.carrier_id, Custody()), change_of(ev)
            )
        elif action == Action.PLAN.value and ev.payload:
            data = json.loads(ev.payload)
            doc = self.documents.get(int(data["document_id"]))
            if doc is not None:
                doc["plan"] = data["plan"]
        elif action == Action.RECEIPT.value and ev.consignment_id is not None:
            self.receive(ev)
        elif action == Action.OPEN.value and self.status.before_open:
            self.status = MeetingStatus.OPEN
        elif action == Action.CLOSE.value:
            self.status, self.closed_by = MeetingStatus.CLOSED, ev.operator
            if ev.payload:  # the tags the close released for reuse
                self.released.update(int(k) for k in json.loads(ev.payload)["released"])
        elif action == Action.FILE.value and ev.payload:
            self.filing = {f: json.loads(ev.payload).get(f) for f in FILING_FIELDS}
            if self.status.before_open:
                self.status = MeetingStatus.FILED
        elif action == Action.CHECK.value and ev.payload:
            data = json.loads(ev.payload)
            self.answers[(data["checklist"], data["item"].lower())] = {
                "item": data["item"],
                "answer": data["answer"],
                "note": data["note"],
                "operator": ev.operator,
                "answered_at": _plain(ev.at),
                "accepted_by": None,
                "accept_note": None,
                "accepted_at": None,
            }
        elif action == Action.CHECK_ACCEPT.value and ev.payload:
            data = json.loads(ev.payload)
            row = self.answers.get((data["checklist"], data["item"].lower()))
            if row is not None:
                row.update(accepted_by=data["by"], accept_note=ev.note, accepted_at=_plain(ev.at))
        elif action in TAP_ACTIONS:
            if self.status.before_open:
                self.status = MeetingStatus.OPEN
            if ev.carrier_id is not None:
                self.custody[ev.carrier_id] = apply(
                    self.custody.get(ev.carrier_id, Custody()), change_of(ev)
                )


@dataclass(frozen=True)
class AuditReport:
    """A meeting's chain and the tables checked against it."""

    chain: ChainReport
    differences: tuple[str, ...]
    snapshot: bool
    """False for a meeting imported before snapshots: its reference rows could not be checked."""

    @property
    def ok(self) -> bool:
        """The chain is intact and the tables hold exactly what it says."""
        return self.chain.ok and not self.differences


def _show(value: Any) -> str:
    if value is None or value == "":
        return messages.text("audit_empty")
    if isinstance(value, bool):
        return messages.text("audit_yes" if value else "audit_no")
    return str(value)


def _field(what: str, field: str) -> str:
    """A row's column as a difference names it (``HY-01 第002份·标签``)."""
    return messages.text("audit_field", what=what, field=messages.COLUMN_LABEL.get(field, field))


class _Names:
    """Labels for rows, taken from the chain's own facts (the tables may be the forged part)."""

    def __init__(self, expected: Expected, session: Session, meeting_id: int) -> None:
        self.expected = expected
        self.people = {i: a for i, a in expected.attendees.items()}
        self.docs = {i: d for i, d in expected.documents.items()}

    def person(self, attendee_id: int | None) -> str:
        if attendee_id is None:
            return messages.text("audit_nobody")
        a = self.people.get(attendee_id)
        return f"{a['name']}" if a else messages.text("audit_person_id", id=attendee_id)

    def carrier(self, carrier_id: int) -> str:
        c = self.expected.carriers.get(carrier_id)
        if c is None:
            return messages.text("audit_carrier_id", id=carrier_id)
        if c["kind"] == CarrierKind.PASS.value:
            owner = self.people.get(c["owner_id"] or -1)
            number = (owner or {}).get("pass_number") or (owner or {}).get("code", "?")
            return messages.text("pass_item", number=number, name=(owner or {}).get("name", "?"))
        doc = self.docs.get(c["document_id"] or -1)
        return messages.text(
            "copy_item", doc=(doc or {}).get("number", "?"), copy=c["copy_number"] or 0
        )

    def custody(self, c: Custody) -> str:
        label = messages.STATE_LABEL[c.state]
        who = c.holder_id or c.remembered_id
        return (
            messages.text("audit_custody", state=label, holder=self.person(who)) if who else label
        )


def audit_meeting(session: Session, key: bytes, meeting: Meeting) -> AuditReport:
    """Verify a meeting's chain and compare the tables with what it rebuilds (one pass).

    Args:
        session: a read session.
        key: the ledger key.
        meeting: the meeting (its row is compared too).

    Returns:
        The chain report and every difference, in plain words.
    """
    assert meeting.id is not None
    verifier = ChainVerifier(key, meeting.code)
    expected = Expected()
    for ev in keyring.event_rows(session, meeting):
        verifier.feed(ev)
        expected.feed(ev)
    return finish_audit(session, meeting, verifier, expected, session.get(LedgerHead, meeting.id))


def finish_audit(
    session: Session,
    meeting: Meeting,
    verifier: ChainVerifier,
    expected: Expected,
    head: LedgerHead | None,
) -> AuditReport:
    """The report once every event was fed to ``verifier`` and ``expected`` (the export does
    that in its own pass over the events)."""
    chain = verifier.report(head)
    differences = _compare(session, meeting, expected) if chain.ok else []
    return AuditReport(chain, tuple(differences), expected.snapshot)


def audit_meeting_at(url: str, key: bytes, meeting_code: str) -> AuditReport:
    """:func:`audit_meeting` on a fresh connection (run in a child process by the export)."""
    from carrier_tracker.storage.db import make_engine, read_scope

    engine = make_engine(url, read_only=True)
    try:
        with read_scope(engine) as session:
            meeting = session.exec(select(Meeting).where(Meeting.code == meeting_code)).one()
            return audit_meeting(session, key, meeting)
    finally:
        engine.dispose()


def _compare(session: Session, meeting: Meeting, expected: Expected) -> list[str]:
    meeting_id = meeting.id
    assert meeting_id is not None
    # The row as stored now, not a caller's (possibly stale) copy.
    meeting = session.get(Meeting, meeting_id) or meeting
    out: list[str] = []
    names = _Names(expected, session, meeting_id)

    def differ(what: str, want: Any, have: Any) -> None:
        out.append(messages.text("audit_difference", what=what, want=_show(want), have=_show(have)))

    # The meeting itself: status always (it decides taps and close), facts when snapshotted.
    shown = messages.MEETING_STATUS_LABEL
    try:
        have_shown = shown[MeetingStatus(meeting.status)]
    except ValueError:
        have_shown = str(meeting.status)
    if have_shown != shown[expected.status]:
        differ(messages.text("audit_meeting_status"), shown[expected.status], have_shown)
    for f in FILING_FIELDS:  # the 备案, from the file events
        have = _plain(getattr(meeting, f))
        if have != expected.filing[f]:
            differ(
                messages.text("audit_meeting_field", field=messages.COLUMN_LABEL.get(f, f)),
                expected.filing[f],
                have,
            )
    _compare_answers(session, meeting_id, expected, differ)
    if expected.meeting is not None:
        for f, want in expected.meeting.items():
            have = _plain(getattr(meeting, f))
            if have != want:
                differ(
                    messages.text("audit_meeting_field", field=messages.COLUMN_LABEL.get(f, f)),
                    want,
                    have,
                )
    if expected.snapshot:
        _compare_rows(
            session,
            Attendee,
            meeting_id,
            expected.attendees,
            ATTENDEE_CHANGE_FIELDS,
            lambda i, r: f"{r.get('code', '?')} {r.get('name', '')}".strip(),
            differ,
        )
        _compare_rows(
            session,
            Document,
            meeting_id,
            expected.documents,
            DOCUMENT_FIELDS,
            lambda i, r: str(r.get("number", "?")),
            differ,
        )
    consignments = {
        c.id: c
        for c in session.exec(select(Consignment).where(Consignment.meeting_id == meeting.id)).all()
    }
    if (
        not expected.snapshot
    ):  # a meeting from before snapshots: its consignment events carry no facts
        consignments = {}
    for cid, want in expected.consignments.items():
        have_c = consignments.pop(cid, None)
        if have_c is None:
            differ(
                messages.text("audit_consignment", number=want["number"]),
                messages.text("audit_present"),
                messages.text("audit_absent"),
            )
            continue
        for f in CONSIGNMENT_FIELDS:
            if getattr(have_c, f) != want[f]:
                differ(
                    messages.text(
                        "audit_consignment_field",
                        number=want["number"],
                        field=messages.COLUMN_LABEL.get(f, f),
                    ),
                    want[f],
                    getattr(have_c, f),
                )
    for have_c in consignments.values():
        differ(
            messages.text("audit_consignment", number=have_c.number),
            messages.text("audit_absent"),
            messages.text("audit_present"),
        )
    _compare_retired(session, meeting_id, expected, differ)

    table = Carrier.__table__  # type: ignore[attr-defined]
    rows = session.connection().execute(
        select(table).where(table.c.meeting_id == meeting.id).order_by(table.c.id)
    )
    seen: set[int] = set()
    for row in rows:
        cid = row.id
        seen.add(cid)
        label = names.carrier(cid)
        if expected.snapshot:
            want_row = expected.carriers.get(cid)
            if want_row is None:
                differ(label, messages.text("audit_absent"), messages.text("audit_present"))
                continue
            for f in CARRIER_FIELDS:
                if getattr(row, f) != want_row[f]:
                    differ(_field(label, f), want_row[f], getattr(row, f))
            if row.tag_uid != expected.tags.get(cid):
                differ(_field(label, "tag_uid"), expected.tags.get(cid), row.tag_uid)
        if bool(row.tag_released) != (cid in expected.released):
            differ(_field(label, "tag_released"), cid in expected.released, bool(row.tag_released))
        want = expected.custody.get(cid, Custody())
        have = Custody(
            State(row.state), row.holder_id, row.remembered_holder_id, row.consignment_id
        )
        if (want.state, want.holder_id, want.remembered_id) != (
            have.state,
            have.holder_id,
            have.remembered_id,
        ):
            differ(label, names.custody(want), names.custody(have))
        elif want.consignment_id != have.consignment_id:
            differ(_field(label, "consignment_id"), want.consignment_id, have.consignment_id)
    if expected.snapshot:
        for cid in expected.carriers.keys() - seen:
            differ(
                names.carrier(cid), messages.text("audit_present"), messages.text("audit_absent")
            )
    return out


def _compare_retired(session: Session, meeting_id: int, expected: Expected, differ: Any) -> None:
    """Retired tags (retag): each one the chain retired, nothing else, pointing where it says."""
    have = {
        r.uid: r
        for r in session.exec(select(RetiredTag).where(RetiredTag.meeting_id == meeting_id)).all()
    }
    for uid, want in expected.retired.items():
        row = have.pop(uid, None)
        what = messages.text("audit_retired", uid=uid)
        if row is None:
            differ(what, messages.text("audit_present"), messages.text("audit_absent"))
            continue
        for f in RETIRED_FIELDS:
            if getattr(row, f) != want[f]:
                differ(_field(what, f), want[f], getattr(row, f))
    for uid in have:
        differ(
            messages.text("audit_retired", uid=uid),
            messages.text("audit_absent"),
            messages.text("audit_present"),
        )


def _compare_rows(
    session: Session,
    model: Any,
    meeting_id: int,
    want: dict[int, dict[str, Any]],
    fields: tuple[str, ...],
    label: Any,
    differ: Any,
) -> None:
    have = {
        r.id: r for r in session.exec(select(model).where(model.meeting_id == meeting_id)).all()
    }
    for rid, want_row in want.items():
        row = have.pop(rid, None)
        name = label(rid, want_row)
        if row is None:
            differ(name, messages.text("audit_present"), messages.text("audit_absent"))
            continue
        for f in fields:
            value = _plain(getattr(row, f))
            if f in ("clearance", "level") and value is not None:
                value = Level(value).value
            want_value = want_row.get(f)  # a field added after the snapshot was taken: None
            if value != want_value:
                differ(_field(name, f), want_value, value)
    for row in have.values():
        differ(
            label(row.id, {f: getattr(row, f) for f in fields}),
            messages.text("audit_absent"),
            messages.text("audit_present"),
        )


def _compare_answers(session: Session, meeting_id: int, expected: Expected, differ: Any) -> None:
    """The checklist answers against the check/check_accept events."""
    have = {
        (r.checklist, r.item.lower()): r
        for r in session.exec(
            select(ChecklistAnswer).where(ChecklistAnswer.meeting_id == meeting_id)
        ).all()
    }
    for k, want in expected.answers.items():
        label = messages.text("audit_answer", checklist=k[0], item=want["item"])
        row = have.pop(k, None)
        if row is None:
            differ(label, messages.text("audit_present"), messages.text("audit_absent"))
            continue
        for f in ANSWER_FIELDS:
            value = _plain(getattr(row, f))
            if value != want[f]:
                differ(_field(label, f), want[f], value)
    for (checklist, _item), row in have.items():
        differ(
            messages.text("audit_answer", checklist=checklist, item=row.item),
            messages.text("audit_absent"),
            messages.text("audit_present"),
        )
