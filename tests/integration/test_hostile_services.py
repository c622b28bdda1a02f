"""The services the desk UI calls refuse the same hostile text as the CLI, on both databases,
before the database sees it; a lost race for a tag is the "already bound" message."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from carrier_tracker.custody.service import append_event, find_meeting, record_tap, stamp
from carrier_tracker.enums import Level, Mode
from carrier_tracker.errors import ConflictError, TextError
from carrier_tracker.ledger import events as ev
from carrier_tracker.meeting.enrollment import bind_copy
from carrier_tracker.meeting.lifecycle import close_meeting, open_consignment
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier, Consignment, Document, Event
from tests.conftest import fresh_pg_url
from tests.factories import make_world


def _events(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Event)).one()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("operator", "x" * 101, "操作员过长：101 个字符，最多 100 个"),
        ("station", "s" * 101, "工作台过长：101 个字符，最多 100 个"),
        ("note", "n" * (10 * 2**20), "说明过长：10485760 个字符，最多 1000 个"),
        (
            "operator",
            "赵\x1b[2J",
            "操作员含控制字符或不可见字符 U+001B（第 2 个字符），请删除后重试",
        ),
    ],
)
def test_tap_refuses_before_the_database(
    field: str, value: str, message: str, session: Session, key: bytes
) -> None:
    world = make_world(session)
    before = _events(session)
    with pytest.raises(TextError) as err:
        record_tap(
            session=session,
            key=key,
            meeting_code="M1",
            uid=world.pass_uid("A001"),
            mode=Mode.ISSUE,
            **{field: value},
        )  # type: ignore[arg-type]
    assert str(err.value) == message
    session.rollback()
    assert _events(session) == before


def test_tap_finds_look_alike_codes(session: Session, key: bytes) -> None:
    world = make_world(session)
    out = record_tap(
        session=session,
        key=key,
        meeting_code="Ｍ１\u200b",
        uid=world.pass_uid("A001"),
        mode=Mode.ISSUE,
        attendee_code="Ａ００１\u200b",
    )
    assert (out.refused, out.attendee_name) == (False, "张三")
    assert find_meeting(session, "\ufeffM1 ").code == "M1"


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"number": "K" * 65, "unit": "某所"}, "机要编号过长：65 个字符，最多 64 个"),
        ({"number": "", "unit": "某所"}, "机要编号不能为空"),
        ({"number": "K9", "unit": ""}, "接收单位不能为空"),
        ({"number": "K9", "unit": "单" * 201}, "接收单位过长：201 个字符，最多 200 个"),
        (
            {"number": "K9", "unit": "某所", "recipient": "人" * 101},
            "接收人过长：101 个字符，最多 100 个",
        ),
        (
            {"number": "K9", "unit": "某所", "station": "s" * 101},
            "工作台过长：101 个字符，最多 100 个",
        ),
    ],
)
def test_consignment_refuses_before_the_database(
    kw: dict[str, str], message: str, session: Session, key: bytes
) -> None:
    make_world(session)
    with pytest.raises(TextError) as err:
        open_consignment(session=session, key=key, meeting_code="M1", **kw)  # type: ignore[arg-type]
    assert str(err.value) == message


def test_consignment_number_that_only_looks_different_is_taken(
    session: Session, key: bytes
) -> None:
    make_world(session)
    with pytest.raises(ConflictError, match="机要编号 K1 已存在"):
        open_consignment(session=session, key=key, meeting_code="M1", number="Ｋ１", unit="某所")
    # A number stored before normalisation existed (with a zero-width space) still collides.
    meeting = find_meeting(session, "M1")
    session.add(Consignment(meeting_id=meeting.id, number="K\u200b2", unit="某所"))  # type: ignore[arg-type]
    session.commit()
    with pytest.raises(ConflictError) as err:
        open_consignment(session=session, key=key, meeting_code="M1", number="K2", unit="某所")
    assert (
        str(err.value)
        == "机要编号 K2 与已有的“K\\u200b2”在规范化（字母大小写、全角/半角、不可见字符）后相同，请换一个"
    )


def test_close_and_admin_events_check_what_they_record(session: Session, key: bytes) -> None:
    world = make_world(session)
    with pytest.raises(TextError, match="说明过长"):
        close_meeting(session=session, key=key, meeting_code="M1", note="n" * 1001)
    with pytest.raises(TextError, match="操作员过长"):
        append_event(
            session=session,
            key=key,
            meeting_id=world.meeting.id,  # type: ignore[arg-type]
            event=ev.Opened(stamp(operator="x" * 101)),
        )


# --- two desks binding one tag at once (PostgreSQL: SQLite serialises whole transactions) ------


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    engine = db.make_engine(fresh_pg_url("ct_bind_race"))
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_two_desks_bind_one_tag_at_once(pg_engine: Engine, key: bytes) -> None:
    with db.session_scope(pg_engine) as s:
        world = make_world(s)
        doc = Document(
            meeting_id=world.meeting.id, number="D4", title="未贴标签", level=Level.MIMI, copies=2
        )  # type: ignore[arg-type]
        s.add(doc)
        s.flush()
        s.add_all(
            [
                Carrier(meeting_id=world.meeting.id, kind="copy", document_id=doc.id, copy_number=n)
                for n in (1, 2)
            ]
        )  # type: ignore[arg-type]
    uid = "04AA00000000D4"
    first = Session(pg_engine, expire_on_commit=False)
    bind_copy(
        session=first, key=key, meeting_code="M1", doc_no="D4", copy_no=1, uid=uid
    )  # not committed yet
    result: list[BaseException | str] = []

    def second_desk() -> None:
        try:
            with db.session_scope(pg_engine) as s:
                bind_copy(session=s, key=key, meeting_code="M1", doc_no="D4", copy_no=2, uid=uid)
            result.append("bound")
        except BaseException as e:
            result.append(e)

    thread = threading.Thread(target=second_desk)
    thread.start()
    with pg_engine.connect() as conn:  # wait until the second desk waits on the first's row
        for _ in range(200):
            waiting = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar()
            if waiting:
                break
            time.sleep(0.05)
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert len(result) == 1 and isinstance(result[0], ConflictError), result
    assert str(result[0]) == f"标签 {uid} 已绑定：M1 D4 第001份"
