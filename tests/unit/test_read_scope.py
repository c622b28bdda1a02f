"""Readers never hold up a desk: a long read (export, status, a screen) and a tap at once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlmodel import SQLModel, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Meeting
from tests.factories import make_world


def test_tap_goes_through_while_a_read_scope_is_open(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    SQLModel.metadata.create_all(engine)
    with db.session_scope(engine) as s:
        world = make_world(s)
        uid = world.pass_uid("A001")
    done = threading.Event()
    took: list[float] = []
    with db.read_scope(engine) as reader:
        meeting = reader.exec(select(Meeting)).one()  # the snapshot is taken

        def tap() -> None:
            t0 = time.perf_counter()
            with db.session_scope(engine) as s:
                record_tap(session=s, key=b"k" * 32, meeting_code="M1", uid=uid, mode=Mode.ISSUE)
            took.append(time.perf_counter() - t0)
            done.set()

        threading.Thread(target=tap).start()
        assert done.wait(5), "a tap waited on an open read scope"
    assert took[0] < 2.0
    assert meeting.code == "M1"  # objects read in the scope stay usable after it
