"""Two processes tapping the same copies at the same moment: one winner, one clear refusal."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from carrier_tracker.custody.service import record_tap
from carrier_tracker.enums import Mode, State, Verdict
from carrier_tracker.ledger import keyring
from carrier_tracker.storage import db
from carrier_tracker.storage.models import Carrier, Event, Meeting
from tests.conftest import KEY, fresh_pg_url
from tests.factories import make_world

ROUNDS = 12


def _desk(
    url: str, who: str, uids: list[str], barrier: mp.synchronize.Barrier, out: mp.Queue
) -> None:  # type: ignore[name-defined]
    engine = db.make_engine(url)
    results = []
    for uid in uids:
        barrier.wait(timeout=30)  # both desks tap this copy at the same moment
        with db.session_scope(engine) as session:
            # Every round is a copy of the same document: the officer's override lets one person
            # hold several, so the race itself is what decides each round.
            o = record_tap(
                session=session,
                key=KEY,
                meeting_code="M1",
                uid=uid,
                mode=Mode.ISSUE,
                attendee_code=who,
                station=f"desk-{who}",
                operator="赵官",
                override=True,
            )
        results.append((uid, o.verdict.value, o.message))
    out.put((who, results))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.db'}"
    else:
        url = fresh_pg_url("ct_race")
    engine = db.make_engine(url)
    db.upgrade(engine)  # the real migrations, on both backends
    with Session(engine) as session:
        world = make_world(session)
        # Many copies of one document so every round races on a fresh copy.
        doc = world.docs["D1"]
        for n in range(4, ROUNDS + 1):
            session.add(
                Carrier(
                    meeting_id=world.meeting.id,
                    kind="copy",
                    document_id=doc.id,  # type: ignore[arg-type]
                    copy_number=n,
                    tag_uid=f"05{n:012X}",
                    state=State.REGISTERED,
                )
            )
        for code in ("A001", "A002"):
            card = world.passes[code]
            card.state, card.holder_id = State.ISSUED, world.people[code].id
            session.add(card)
        session.commit()
    engine.dispose()
    return url


def test_two_desks_one_winner(race_url: str) -> None:
    engine = db.make_engine(race_url)
    with Session(engine) as session:
        uids = [
            c.tag_uid
            for c in session.exec(
                select(Carrier)
                .where(Carrier.kind == "copy", Carrier.document_id == 1)
                .order_by(Carrier.copy_number)
            ).all()
        ]  # type: ignore[arg-type]
    uids = [u for u in uids if u][:ROUNDS]
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
    procs = [
        ctx.Process(target=_desk, args=(race_url, who, uids, barrier, out))
        for who in ("A001", "A002")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0, "a desk process crashed (see its traceback above)"
    results = dict(out.get(timeout=5) for _ in procs)
    names = {"A001": "张三", "A002": "李四"}
    for i, uid in enumerate(uids):
        a = results["A001"][i]
        b = results["A002"][i]
        verdicts = sorted([a[1], b[1]])
        assert verdicts == [Verdict.ACCEPTED.value, Verdict.REFUSED.value], (uid, a, b)
        winner = "A001" if a[1] == "accepted" else "A002"
        loser_msg = b[2] if winner == "A001" else a[2]
        assert f"已发给 {names[winner]}" in loser_msg
    with Session(engine) as session:
        meeting = session.exec(select(Meeting)).one()
        taps = session.exec(
            select(Event.seq).where(Event.action == "issue").order_by(Event.seq)
        ).all()
        assert len(taps) == 2 * len(uids)
        seqs = session.exec(select(Event.seq).order_by(Event.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))  # no lost or duplicated events
        assert keyring.verify_meeting(session, KEY, meeting).ok
        issued = session.exec(
            select(func.count())
            .select_from(Carrier)
            .where(Carrier.state == State.ISSUED, Carrier.kind == "copy")
        ).one()
        assert issued == len(uids)
    engine.dispose()
