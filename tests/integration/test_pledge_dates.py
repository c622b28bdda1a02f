"""A pledge day can never be rewritten, so an absurdly early one is refused where it enters:
``pledge --date`` and the import's 承诺书 column share one floor (1 January of the year before the
meeting's import or start, whichever is earlier)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session

from carrier_tracker.errors import ImportProblems
from carrier_tracker.meeting.pledges import earliest_day
from carrier_tracker.paper.importer import import_workbook
from tests.conftest import SAMPLE
from tests.data.make_corpus import base_rows, save, workbook
from tests.integration.cli_helpers import CODE, Cli


def test_the_floor_is_january_first_of_the_year_before_import_or_start() -> None:
    assert earliest_day(date(2026, 12, 4)) == date(2025, 1, 1)
    assert earliest_day(date(2026, 12, 4), date(2027, 3, 1)) == date(2025, 1, 1)
    assert earliest_day(date(2028, 1, 2), date(2026, 12, 8)) == date(2025, 1, 1)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    c = Cli(tmp_path / "home", f"sqlite:///{tmp_path / 'ct.db'}")
    assert c("init").code == 0
    assert c("import", str(SAMPLE)).code == 0
    return c


def _events(cli: Cli) -> str:
    return cli("verify", CODE).out.split("\t")[1]


def test_pledge_date_before_the_floor_is_bad_input(cli: Cli) -> None:
    today = date.today()
    floor = date(min(today.year, 2026) - 1, 1, 1)  # the sample meeting starts in December 2026
    before = _events(cli)
    r = cli("pledge", CODE, "A001", "--date", "0001-01-01")
    assert r.code == 2
    assert r.err == (
        f"错误：--date 0001-01-01 过早：会议 {CODE} 的保密承诺书签署日期不应早于 {floor}"
        "（导入或开会的上一年 1 月 1 日；已记录的日期不能改写，请核对）\n"
    )
    day_before = date.fromordinal(floor.toordinal() - 1).isoformat()
    assert cli("pledge", CODE, "A001", "--date", day_before).code == 2
    assert _events(cli) == before
    r = cli("pledge", CODE, "A001", "--date", floor.isoformat())
    assert r.code == 0 and f"已签保密承诺书（{floor}）" in r.out


def test_import_refuses_a_pledge_day_before_the_floor(
    session: Session, key: bytes, tmp_path: Path
) -> None:
    rows = base_rows()  # the meeting starts 2026-12-01
    rows["参会人员"][0].append("承诺书")
    days = ["0001-01-01", None, "2025-01-01"]  # the third on the floor: accepted
    for person, day in zip(rows["参会人员"][1:], days, strict=True):
        person.append(day)
    path = tmp_path / "early.xlsx"
    save(workbook(rows), path)
    floor = date(min(datetime.now().year, 2026) - 1, 1, 1)  # 2025-01-01 from 2026 on
    with pytest.raises(ImportProblems) as err:
        import_workbook(session=session, key=key, path=path)
    assert [str(p) for p in err.value.problems] == [
        f"参会人员 第2行 [承诺书]：签署日期 0001-01-01 过早：不应早于 {floor}（导入或开会的上一年 1 月 1 日）"
    ]
