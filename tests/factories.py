"""Small meetings built straight through the ORM, for unit tests of the rules."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from carrier_tracker.access.operators import find_operator, hash_pin, register
from carrier_tracker.custody import checklists
from carrier_tracker.custody.service import append_event, stamp
from carrier_tracker.enums import (
    Answer,
    CarrierKind,
    Level,
    MeetingStatus,
    Role,
    State,
    requires_filing,
)
from carrier_tracker.ledger import codec
from carrier_tracker.ledger import events as ev
from carrier_tracker.meeting.policy import answer_items, file_meeting
from carrier_tracker.paper.importer import imported_event
from carrier_tracker.storage.models import (
    Attendee,
    Carrier,
    Consignment,
    Document,
    Meeting,
)
from carrier_tracker.storage.system_chain import register_meeting

PIN = "246810"
"""Every test operator's PIN."""
PLEDGE_DAY = date(2026, 11, 20)
"""The day make_world's people signed their 保密承诺书."""
_PIN_HASH: dict[tuple[bytes, str], bytes] = {}


def pin_hash(key: bytes, name: str) -> bytes:
    """The PIN hash of :data:`PIN` for this operator and key (argon2 is slow on purpose: each
    one is made once per run)."""
    if (key, name) not in _PIN_HASH:
        _PIN_HASH[(key, name)] = hash_pin(PIN, key=key, name=name)
    return _PIN_HASH[(key, name)]


def add_operators(
    session: Session, operators: dict[str, Role], key: bytes = bytes(range(32))
) -> None:
    """Registered operators (PIN :data:`PIN`), for tests of the services: they take names the
    caller authenticated, and only a registered officer approves. Each is registered as
    ``operator add`` does (a system-chain event with the digest of its PIN hash)."""
    for name, role in operators.items():
        if find_operator(session, name) is None:
            register(
                session=session, key=key, name=name, role=role, pin_hash=pin_hash(key, name), by=""
            )
    session.flush()


def file_paperwork(session: Session, key: bytes, code: str, officer: str) -> None:
    """File meeting ``code`` (by ``officer``) and answer its venue check and sweep 符合, through
    the services (ledger events included)."""
    from datetime import date

    file_meeting(
        session=session,
        key=key,
        meeting_code=code,
        ref="保密办〔2026〕1号",
        on=date(2026, 12, 1),
        operator=officer,
    )
    defs = checklists.active()
    for name in (checklists.VENUE, checklists.SWEEP):
        answer_items(
            session=session,
            key=key,
            meeting_code=code,
            checklist=defs[name],
            answers=[(it.id, Answer.OK, "") for it in defs[name].items],
            operator=officer,
        )


@dataclass
class World:
    """A meeting with people, documents and carriers, addressable by short names."""

    meeting: Meeting
    people: dict[str, Attendee] = field(default_factory=dict)
    docs: dict[str, Document] = field(default_factory=dict)
    copies: dict[tuple[str, int], Carrier] = field(default_factory=dict)
    passes: dict[str, Carrier] = field(default_factory=dict)
    consignments: dict[str, Consignment] = field(default_factory=dict)

    def copy_uid(self, doc: str, n: int) -> str:
        uid = self.copies[(doc, n)].tag_uid
        assert uid
        return uid

    def pass_uid(self, code: str) -> str:
        uid = self.passes[code].tag_uid
        assert uid
        return uid


def uid(n: int) -> str:
    """A distinct 7-byte UID for small integers."""
    return f"04{n:012X}"


def make_world(
    session: Session,
    *,
    code: str = "M1",
    level: Level = Level.JIMI,
    requires_passes: bool = True,
    officer: str = "赵官",
    status: MeetingStatus = MeetingStatus.OPEN,
    key: bytes = bytes(range(32)),  # tests.conftest.KEY
    filed: bool = True,
    unpledged: tuple[str, ...] = (),
    tags: bool = True,
) -> World:
    """Meeting M1 (机密), its officer ``officer`` registered as an officer operator and the
    custodians 小孙 and 孙文管; people A001 张三 (机密, local), A002 李四 (机密, out of town),
    A003 王五 (秘密, local), each with a 保密承诺书 signed on 2026-11-20 unless named in
    ``unpledged``; documents D1 (机密, 3 copies, take-away allowed, collected at breaks),
    D2 (秘密, 2 copies), D3 (内部, 1 copy, no tag); consignment K1 to 北京某所. With ``tags``
    off, no pass or copy has a tag (a meeting imported before its tags were bound).

    ``filed`` (default): a 秘密-or-above meeting is filed by its officer, its venue check and
    its sweep answered 符合 — the paperwork every real meeting does, so tests of custody start
    from a meeting that may open and close. ``filed=False`` leaves it a draft with no answers
    (a draft meeting asked for with ``status=DRAFT`` then stays a draft)."""
    meeting = Meeting(
        code=code,
        title="测试会议",
        level=level,
        requires_passes=requires_passes,
        officer=officer,
        status=status,
    )
    session.add(meeting)
    add_operators(
        session,
        {
            **({officer: Role.OFFICER} if officer else {}),
            "小孙": Role.CUSTODIAN,
            "孙文管": Role.CUSTODIAN,
        },
        key,
    )
    session.flush()
    world = World(meeting)
    n = 0
    for pcode, name, clearance, away in [
        ("A001", "张三", Level.JIMI, False),
        ("A002", "李四", Level.JIMI, True),
        ("A003", "王五", Level.MIMI, False),
    ]:
        person = Attendee(
            meeting_id=meeting.id,
            code=pcode,
            name=name,
            unit="某单位",  # type: ignore[arg-type]
            clearance=clearance,
            out_of_town=away,
            pass_number="P" + pcode[1:],
            pledge_on=None if pcode in unpledged else PLEDGE_DAY,
        )
        session.add(person)
        session.flush()
        n += 1
        card = Carrier(
            meeting_id=meeting.id,
            kind=CarrierKind.PASS,
            owner_id=person.id,  # type: ignore[arg-type]
            tag_uid=uid(zlib.crc32(code.encode()) % 1000 * 1000 + n) if tags else None,
            state=State.REGISTERED,
        )
        session.add(card)
        world.people[pcode] = person
        world.passes[pcode] = card
    for dno, level_, copies, away, brk, tagged in [
        ("D1", Level.JIMI, 3, True, True, True),
        ("D2", Level.MIMI, 2, False, False, True),
        ("D3", Level.NEIBU, 1, False, False, False),
    ]:
        doc = Document(
            meeting_id=meeting.id,
            number=dno,
            title=f"文件{dno}",
            level=level_,  # type: ignore[arg-type]
            copies=copies,
            may_take_away=away,
            collect_at_breaks=brk,
        )
        session.add(doc)
        session.flush()
        world.docs[dno] = doc
        for k in range(1, copies + 1):
            n += 1
            c = Carrier(
                meeting_id=meeting.id,
                kind=CarrierKind.COPY,
                document_id=doc.id,  # type: ignore[arg-type]
                copy_number=k,
                tag_uid=uid(zlib.crc32(code.encode()) % 1000 * 1000 + n)
                if tagged and tags
                else None,
                state=State.REGISTERED,
            )
            session.add(c)
            world.copies[(dno, k)] = c
    cons = Consignment(meeting_id=meeting.id, number="K1", unit="北京某所", recipient="钱七")  # type: ignore[arg-type]
    session.add(cons)
    world.consignments["K1"] = cons
    session.flush()
    # The ledger says what the rows say, as an import would: verify and close check it.
    wanted_status = meeting.status
    meeting.status = MeetingStatus.DRAFT
    assert meeting.id is not None
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=imported_event(session, meeting, stamp()),
    )
    register_meeting(session, key, meeting)
    append_event(
        session=session,
        key=key,
        meeting_id=meeting.id,
        event=ev.ConsignmentOpened(stamp(), codec.consignment_record(cons)),
    )
    if filed and officer and requires_filing(level):
        file_paperwork(session, key, code, officer)
        if wanted_status is MeetingStatus.DRAFT:
            wanted_status = MeetingStatus.FILED
    if not wanted_status.before_open:
        append_event(session=session, key=key, meeting_id=meeting.id, event=ev.Opened(stamp()))
    if wanted_status == MeetingStatus.CLOSED:
        closing = stamp()
        append_event(
            session=session, key=key, meeting_id=meeting.id, event=ev.Closed(closing, detailed=True)
        )
        meeting.closed_at = closing.at
    meeting.status = wanted_status
    session.add(meeting)
    session.commit()
    return world
