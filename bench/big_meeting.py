"""The benchmarks' large meeting: 2,000 attendees and 50,000 copies, code ``BIG``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = "BIG"


def big_workbook(workdir: Path) -> Path:
    """Write the large meeting's import workbook into ``workdir`` (samples/make_sample.py)."""
    path = workdir / "big.xlsx"
    command = [sys.executable, str(ROOT / "samples" / "make_sample.py"), "--attendees", "2000",
               "--copies", "50000", "--code", CODE, "-o", str(path)]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return path


OFFICER, CUSTODIAN = "赵保密", "孙文管"


def recorded_history(url: str, key: bytes, workbook: Path, events: int) -> int:
    """Into a new database at ``url``: an officer and a custodian, the meeting of ``workbook``
    (code ``BIG``) imported, filed and its venue checked, then a history recorded through the tap
    service itself until the chain holds ``events`` taps — every pass out, then rounds of issuing
    every copy (each to the next attendee) and recalling it, many taps a transaction. Returns how
    many taps were refused (recorded as refusals, as at a desk: the big meeting's every tenth
    attendee may not receive every document). Shared by ``bench_verify.py`` and
    ``bench_export.py``."""
    import time
    from datetime import date

    from sqlalchemy import text

    from carrier_tracker.access.operators import add_operator
    from carrier_tracker.custody.service import record_tap
    from carrier_tracker.enums import Mode, Role
    from carrier_tracker.meeting.policy import paperwork_done
    from carrier_tracker.paper.importer import import_workbook
    from carrier_tracker.storage import db

    engine = db.make_engine(url, create=True)
    db.upgrade(engine)
    with db.session_scope(engine) as s:
        add_operator(session=s, key=key, name=OFFICER, role=Role.OFFICER, pin="135790", by="")
        add_operator(
            session=s, key=key, name=CUSTODIAN, role=Role.CUSTODIAN, pin="246810", by=OFFICER
        )
    with db.session_scope(engine) as s:
        import_workbook(session=s, key=key, path=workbook, operator=CUSTODIAN)
    with db.session_scope(engine) as s:
        paperwork_done(
            session=s,
            key=key,
            meeting_code=CODE,
            ref="保密办〔2026〕9号",
            on=date(2026, 12, 1),
            operator=OFFICER,
        )
    with db.read_scope(engine) as s:
        tagged = "SELECT tag_uid FROM carrier WHERE kind = '{}' AND tag_uid IS NOT NULL"
        passes = [r[0] for r in s.execute(text(tagged.format("pass")))]
        order = " ORDER BY document_id, copy_number"
        copies = [r[0] for r in s.execute(text(tagged.format("copy") + order))]
        people = [r[0] for r in s.execute(text("SELECT code FROM attendee ORDER BY id"))]
    done, refused, t0 = 0, 0, time.perf_counter()

    def tap(conn: object, uid: str, mode: Mode, who: str | None = None) -> None:
        nonlocal done, refused
        outcome = record_tap(
            session=conn,  # type: ignore[arg-type]
            key=key,
            meeting_code=CODE,
            uid=uid,
            mode=mode,
            attendee_code=who,
            operator=CUSTODIAN,
        )
        done += 1
        refused += bool(outcome.refused)

    with engine.begin() as conn:
        for uid in passes:
            tap(conn, uid, Mode.ISSUE)
    round_ = 0
    while done < events:
        with engine.begin() as conn:
            for i, uid in enumerate(copies):
                if done >= events:
                    break
                tap(conn, uid, Mode.ISSUE, people[(i + round_) % len(people)])
        with engine.begin() as conn:
            for uid in copies:
                if done >= events:
                    break
                tap(conn, uid, Mode.RECALL)
        round_ += 1
        print(f"  {done} taps in {time.perf_counter() - t0:.0f} s", flush=True)
    engine.dispose()
    return refused
