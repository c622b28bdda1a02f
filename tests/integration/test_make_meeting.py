"""bench/make_meeting.py, which everyone's benchmarks build their meetings with: the workbook
imports, the history is recorded through the tap service with nothing refused, and the ledger
verifies and agrees with the tables afterwards."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from carrier_tracker import ledger
from carrier_tracker.custody.service import find_meeting
from carrier_tracker.ledger.audit import audit_meeting
from carrier_tracker.storage import db
from tests.integration.cli_helpers import ROOT

_spec = importlib.util.spec_from_file_location("make_meeting", ROOT / "bench" / "make_meeting.py")
assert _spec and _spec.loader
make_meeting = importlib.util.module_from_spec(_spec)
sys.modules["make_meeting"] = make_meeting  # its dataclasses look their module up
_spec.loader.exec_module(make_meeting)


def test_the_demo_size_with_its_history(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    out = tmp_path / "m.xlsx"
    assert make_meeting.main(["--size", "demo", "-o", str(out), "--taps"]) == 0  # 0 refused
    url = f"sqlite:///{out.with_suffix('.db')}"
    key = ledger.load_key(tmp_path / "m-key" / "ledger.key", create=False)
    engine = db.make_engine(url, read_only=True)
    with db.read_scope(engine) as s:
        meeting = find_meeting(s, "NAT40")
        report = audit_meeting(s, key, meeting)
        events = s.connection().exec_driver_sql("SELECT count(*) FROM event").scalar()
    engine.dispose()
    assert report.ok and report.differences == ()
    assert events == 536  # 528 taps, the import, the filing, the venue check, 3 operators


def test_sizes_and_bounds() -> None:
    people, documents, copies = make_meeting.SIZES["national"]
    meeting = make_meeting.plan_meeting(people, documents, copies, "X")
    assert (len(meeting.people), len(meeting.docs), meeting.copies) == (5000, 100, 100_000)
    assert {p.clearance for p in meeting.people} == {"秘密", "机密", "绝密"}
    with pytest.raises(ValueError, match="10,000 per document"):
        make_meeting.plan_meeting(10, 1, 20_000, "X")
