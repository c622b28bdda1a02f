"""An import whose write fails half way leaves nothing behind (one transaction), on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from carrier_tracker.paper import importer
from carrier_tracker.storage.models import Attendee, Carrier, Document, Event, LedgerHead, Meeting
from tests.conftest import KEY, SAMPLE


class DiskFull(Exception):
    """Stands in for a write that fails in the middle of the import."""


def _counts(engine: Engine) -> list[int]:
    with Session(engine) as s:
        return [
            s.exec(select(func.count()).select_from(t)).one()
            for t in (Meeting, Attendee, Document, Carrier, Event, LedgerHead)
        ]


@pytest.mark.parametrize("where", ["after the carriers", "in the middle of the carriers"])
def test_import_failing_half_way_writes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    calls: list[str] = []

    def progress(message: str) -> None:
        calls.append(message)
        if where == "in the middle of the carriers" and message.startswith("已写入载体"):
            raise DiskFull(message)

    def failing_event(**_kw: object) -> None:
        raise DiskFull("ledger")

    if where == "after the carriers":
        monkeypatch.setattr(importer, "append_event", failing_event)
    checked = importer.check_import(engine=engine, path=SAMPLE, progress=progress)
    with pytest.raises(DiskFull):
        importer.import_checked(engine=engine, key=KEY, checked=checked, progress=progress)
    assert any(m.startswith("检查通过") for m in calls), "the failure must come during the write"
    assert _counts(engine) == [0, 0, 0, 0, 0, 0]
    # And the same file then imports cleanly: nothing half-written stands in its way.
    monkeypatch.undo()
    checked = importer.check_import(engine=engine, path=SAMPLE)
    result = importer.import_checked(engine=engine, key=KEY, checked=checked)
    assert result.copies == 225 and _counts(engine)[0] == 1
