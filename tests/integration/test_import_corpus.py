"""Import: every corpus file imports correctly or is refused naming the problem; all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from carrier_tracker.errors import ImportProblems
from carrier_tracker.paper.importer import import_workbook
from carrier_tracker.storage.models import Attendee, Carrier, Document, Event, Meeting
from tests.data.make_corpus import CASES, Case, base_rows, save, workbook


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.exec(select(func.count()).select_from(t)).one()
        for t in (Meeting, Attendee, Document, Carrier, Event)
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file(case: Case, session: Session, key: bytes, tmp_path: Path) -> None:
    if case.needs_existing:
        base = tmp_path / "base.xlsx"
        save(workbook(base_rows()), base)
        import_workbook(session=session, key=key, path=base)
        session.commit()
    path = tmp_path / case.name
    case.build(path)
    before = _counts(session)
    if not case.imports:
        with pytest.raises(ImportProblems) as err:
            import_workbook(session=session, key=key, path=path)
        session.rollback()
        message = str(err.value)
        for expected in case.expect:
            assert expected in message, message
        assert _counts(session) == before, "a refused import must write nothing"
        return
    result = import_workbook(session=session, key=key, path=path)
    session.commit()
    meeting = session.exec(select(Meeting).where(Meeting.code == result.meeting_code)).one()
    people = session.exec(
        select(Attendee).where(Attendee.meeting_id == meeting.id).order_by(Attendee.code)
    ).all()
    docs = session.exec(
        select(Document).where(Document.meeting_id == meeting.id).order_by(Document.number)
    ).all()
    uids = sorted(
        u
        for u in session.exec(select(Carrier.tag_uid).where(Carrier.meeting_id == meeting.id)).all()
        if u
    )
    actual = {
        "attendees": len(people),
        "copies": result.copies,
        "tags": result.tags,
        "attendee_codes": [p.code for p in people],
        "pass_numbers": [p.pass_number for p in people],
        "document_numbers": [d.number for d in docs],
        "uids": uids,
    }
    for field, expected in case.check.items():
        assert actual[field] == expected, field


def test_every_problem_is_listed_at_once(session: Session, key: bytes, tmp_path: Path) -> None:
    rows = base_rows()
    rows["文件"][1][2] = "机蜜"
    rows["参会人员"][2][0] = "A001"
    rows["标签绑定"][1][2] = "zz"
    path = tmp_path / "many.xlsx"
    save(workbook(rows), path)
    with pytest.raises(ImportProblems) as err:
        import_workbook(session=session, key=key, path=path)
    assert len(err.value.problems) == 3
    assert str(err.value).startswith("many.xlsx 有 3 处问题，未导入任何数据：")


def test_sample_meeting_imports(session: Session, key: bytes) -> None:
    from tests.conftest import SAMPLE

    result = import_workbook(session=session, key=key, path=SAMPLE)
    session.commit()
    assert result.attendees == 40 and result.documents == 8
    assert result.tags == result.copies and result.pass_tags == 40
    meeting = session.exec(select(Meeting)).one()
    assert meeting.level == "机密" and meeting.requires_passes
    out_of_town = session.exec(
        select(func.count()).select_from(Attendee).where(Attendee.out_of_town)
    ).one()
    assert 0 < out_of_town < 40
    copies = [d.copies for d in session.exec(select(Document)).all()]
    assert min(copies) >= 5 and max(copies) <= 60
    event = session.exec(select(Event)).one()
    assert event.action == "import" and result.sha256 in event.note
