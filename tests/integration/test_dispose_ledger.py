"""Dispositions are in the record: ``verify`` re-decides each one with the ledger as it stood,
so an insider's SQL edit made for one disposition (changed, used, changed back) or left in a
table is named, refuses nothing silently and marks the export — on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from carrier_tracker.enums import Disposal, Mode, PlaceKind
from carrier_tracker.meeting.disposition import Ask, DisposeOutcome, dispose
from carrier_tracker.meeting.places import add_place
from carrier_tracker.storage import db
from tests.conftest import KEY
from tests.integration.test_ledger_record import (
    CUSTODIAN,
    OFFICER,
    Desk,
    desk,
    forbidden,
)

__all__ = ["desk"]  # the fixture, shared with test_ledger_record


def recovered(d: Desk, copy: int) -> str:
    """Copy ``copy`` of D1 issued to 李四 and recalled: its UID."""
    uid = d.world.copy_uid("D1", copy)
    d.accepted(d.world.pass_uid("A002"), Mode.ISSUE)
    d.accepted(uid, Mode.ISSUE, attendee_code="A002")
    d.accepted(uid, Mode.RECALL)
    d.accepted(d.world.pass_uid("A002"), Mode.RECALL)
    return uid


def unit(d: Desk) -> str:
    """A unit registered to return copies to (the factory's meeting names no organiser)."""
    with db.session_scope(d.engine) as s:
        add_place(session=s, key=KEY, kind=PlaceKind.UNIT, name="发文单位", by=OFFICER)
    return "发文单位"


def disposed(d: Desk, ask: Ask, operator: str = CUSTODIAN) -> DisposeOutcome:
    with db.session_scope(d.engine) as s:
        out = dispose(session=s, key=KEY, meeting_code="M1", ask=ask, operator=operator)
    assert out.accepted, out.message
    return out


def findings(d: Desk) -> str:
    report = d.report()
    assert not report.ok
    return "\n".join(report.findings())


def test_clean_dispositions_verify(desk: Desk) -> None:
    uid = recovered(desk, 1)
    with db.session_scope(desk.engine) as s:
        add_place(session=s, key=KEY, kind=PlaceKind.ARCHIVE, name="档案室", by=OFFICER)
    disposed(desk, Ask(Disposal.ARCHIVE, uids=(uid,), location="档案室"))
    assert desk.report().ok, desk.report().findings()


def test_a_custodian_made_an_officer_for_one_destruction(desk: Desk, tmp_path: Path) -> None:
    uid = recovered(desk, 1)
    desk.sql("UPDATE operator SET role = 'officer' WHERE name = :n", n=CUSTODIAN)
    out = disposed(desk, Ask(Disposal.DESTROY, uids=(uid,), method="粉碎", witnesses=("孙文管",)))
    desk.sql("UPDATE operator SET role = 'custodian' WHERE name = :n", n=CUSTODIAN)
    reason = "销毁须有保密负责人参与：经办人 小孙 与监销人 孙文管 均不是保密负责人"
    assert forbidden(out.seq or 0, reason) in findings(desk)
    assert "校验未通过" in desk.export_verdict(tmp_path)


def test_a_copy_made_recovered_for_one_disposition(desk: Desk) -> None:
    uid = desk.world.copy_uid("D1", 2)  # never issued: 在库
    desk.sql("UPDATE carrier SET state = 'recovered' WHERE tag_uid = :u", u=uid)
    out = disposed(desk, Ask(Disposal.RETURN, uids=(uid,), unit=unit(desk)))
    assert forbidden(out.seq or 0, "D1 第002份 当前在库：只有已收回的文件才能处置") in findings(
        desk
    )


def test_an_archive_inserted_for_one_disposition(desk: Desk) -> None:
    uid = recovered(desk, 1)
    desk.sql("INSERT INTO place (kind, name, added_by) VALUES ('archive', '暗室', :o)", o=OFFICER)
    out = disposed(desk, Ask(Disposal.ARCHIVE, uids=(uid,), location="暗室"))
    desk.sql("DELETE FROM place WHERE name = '暗室'")
    assert forbidden(out.seq or 0, "未登记的归档地点：暗室") in findings(desk)


def test_a_disposition_row_deleted_or_a_place_row_left(desk: Desk) -> None:
    uid = recovered(desk, 1)
    disposed(desk, Ask(Disposal.RETURN, uids=(uid,), unit=unit(desk)))
    desk.sql("DELETE FROM disposition")
    assert "处置记录 D1 第001份" in findings(desk)
    desk.sql("INSERT INTO place (kind, name, added_by) VALUES ('unit', '某所', :o)", o=OFFICER)
    with db.read_scope(desk.engine) as s:
        from carrier_tracker.ledger.audit import audit_system

        system = audit_system(s, KEY)
    assert not system.ok and "某所" in "\n".join(system.findings())


def test_a_disposed_copy_still_counts_as_recovered_by_document(desk: Desk) -> None:
    """The by-document view (status --by-document, 分发情况, the wall, the export) counts a copy
    destroyed after it came back as 已收回, as the meeting's own counts do."""
    from carrier_tracker.custody.service import find_meeting
    from carrier_tracker.storage.planview import plan_view
    from carrier_tracker.storage.readmodel import reconciliation

    uid = recovered(desk, 1)
    disposed(
        desk, Ask(Disposal.DESTROY, uids=(uid,), method="粉碎", witnesses=("孙文管",)), OFFICER
    )
    with db.read_scope(desk.engine) as s:
        d1 = next(d for d in plan_view(s, "M1").documents if d.number == "D1")
        recon = reconciliation(s, find_meeting(s, "M1"))
    assert (d1.recovered, d1.out) == (1, 0)
    assert (recon.recovered, recon.disposed) == (2, 1)  # the pass and the destroyed copy
