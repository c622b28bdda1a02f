"""载体遗失报告 in the signed-forms workbook, through the real CLI on SQLite and PostgreSQL: a
sheet per carrier ever lost (one found again, one 未找回), none for a meeting without a loss or
whose only loss was voided, a voided tap absent from a carrier's events; read back with openpyxl
and printed through LibreOffice (pdftotext)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from carrier_tracker.custody import checklists
from tests.conftest import SAMPLE, fresh_pg_url
from tests.integration.cli_helpers import CODE, Cli, copy_uid, pass_uid
from tests.integration.test_print import flat, pdf_pages, shown, to_pdf

LOST = "载体遗失报告"


def _cli(backend: str, tmp: Path, name: str) -> Cli:
    url = f"sqlite:///{tmp / 'ct.db'}" if backend == "sqlite" else fresh_pg_url(name)
    cli = Cli(tmp / "home", url)
    assert cli("init").code == 0
    assert cli("import", str(SAMPLE)).code == 0
    r = cli("tap", CODE, "--mode", "issue", pass_uid("A001"), pass_uid("A002"))
    assert r.code == 0, r.out
    for attendee, n in (("A001", 1), ("A002", 2)):
        r = cli("tap", CODE, "--mode", "issue", "--attendee", attendee, copy_uid("HY-01", n))
        assert r.code == 0, r.out
    return cli


def _last_seq(cli: Cli) -> int:
    return int(cli("verify", CODE).out.split("事件 ")[1].split()[0])


def _void_last(cli: Cli) -> None:
    r = cli("void", CODE, str(_last_seq(cli)), "--note", "误刷", "--approver", "赵保密")
    assert r.code == 0, r.err


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def lost_book(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """A meeting where HY-01 第001份 is recalled by mistake (voided), lost and found, and
    HY-01 第002份 is lost by the officer and never found: its forms and the CLI's line."""
    tmp = tmp_path_factory.mktemp(f"lost-{request.param}")
    cli = _cli(request.param, tmp, "forms_lost")
    assert cli("tap", CODE, "--mode", "recall", copy_uid("HY-01", 1)).code == 0
    _void_last(cli)  # the recall was a mistake: it leaves no trace in the report
    r = cli("tap", CODE, "--mode", "lost", "--note", "会场遗失", "--approver", "赵保密",
            "--station", "保密办工作站", copy_uid("HY-01", 1))  # fmt: skip
    assert r.code == 0, r.out
    r = cli("tap", CODE, "--mode", "lost", "--note", "带回房间后遗失", "--operator", "赵保密",
            "--station", "会务组", copy_uid("HY-01", 2))  # fmt: skip
    assert r.code == 0, r.out
    r = cli("tap", CODE, "--mode", "found", "--station", "服务台", copy_uid("HY-01", 1))
    assert r.code == 0, r.out
    book = tmp / "forms.xlsx"
    r = cli("forms", CODE, "-o", str(book))
    assert r.code == 0, r.err
    assert cli("verify", CODE).code == 0
    return book, r.out


def _report(ws: Any) -> tuple[dict[str, Any], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A report's labelled values, its events' rows and its sweep's rows."""
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    firsts = [r[0] for r in rows]
    events_at = firsts.index("时间") + 1
    sweep_at = firsts.index("检查场所") + 1
    pairs = {r[0]: r[1] for r in rows[: events_at - 2] if isinstance(r[0], str) and r[1]}
    events = rows[events_at : sweep_at - 2]
    sweep = rows[sweep_at : sweep_at + len(checklists.active()[checklists.SWEEP].items)]
    return pairs, events, sweep


def test_a_report_per_lost_carrier(lost_book: tuple[Path, str]) -> None:
    book, said = lost_book
    assert f"{LOST}1 3 行" in said and f"{LOST}2 2 行" in said
    assert "本会议没有遗失的载体" not in said
    wb = openpyxl.load_workbook(book)
    assert [n for n in wb.sheetnames if n.startswith(LOST)] == [f"{LOST}1", f"{LOST}2"]

    found, events, sweep = _report(wb[f"{LOST}1"])
    assert found["载体"] == "HY-01 第001份"
    assert (found["文件编号"], found["份号"], found["密级"]) == ("HY-01", "001", "机密")
    assert found["文件名称"] == "2027 年度科研生产计划（审议稿）"
    assert (found["最后持有人"], found["持有人单位"]) == ("A001 赵娟", "北京有色金属研究总院")
    assert (found["报告人"], found["批准人"]) == ("孙文管", "赵保密")
    assert (found["挂失工作站"], found["挂失说明"]) == ("保密办工作站", "会场遗失")
    assert found["找回情况"] == "已找回（找回）" and found["找回工作站"] == "服务台"
    assert found["找回经办人"] == "孙文管" and found["目前状态"] == "已收回"
    assert isinstance(found["挂失时间"], datetime) and found["找回时间"] >= found["挂失时间"]
    # the voided recall (and its void) leave no trace: issued, lost, found
    assert [e[1] for e in events] == ["发放", "挂失", "找回"]
    assert [e[2] for e in events][1:] == ["保密办工作站", "服务台"]
    assert events[1][3:7] == ("孙文管", "赵保密", "A001 赵娟", "会场遗失")
    places = [it.label for it in checklists.active()[checklists.SWEEP].items]
    assert [(s[0], s[1], s[3]) for s in sweep] == [(p, "符合", "赵保密") for p in places]

    lost, events, _ = _report(wb[f"{LOST}2"])
    assert lost["载体"] == "HY-01 第002份" and lost["最后持有人"] == "A002 胡国庆"
    assert (lost["报告人"], lost["批准人"]) == ("赵保密", "赵保密")  # the officer himself
    assert lost["找回情况"] == "未找回" and "找回时间" not in lost
    assert lost["目前状态"] == "已挂失"
    assert [e[1] for e in events] == ["发放", "挂失"]

    for name in (f"{LOST}1", f"{LOST}2"):
        ws = wb[name]
        lines = [r[0] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str)]
        assert lines[0] == "涉密载体遗失报告" and "会议代号：HY2026-12" in lines[2]
        assert sum("（签名）" in x for x in lines) == 2
        assert any(x.startswith("台账锚点 ") for x in lines)
        assert ws.oddHeader.left.text == "机密★" and ws.oddFooter.left.text == "机密★"
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"


def test_the_reports_print(lost_book: tuple[Path, str], tmp_path: Path) -> None:
    book, _ = lost_book
    to_pdf([book], tmp_path)
    pages = pdf_pages(tmp_path / "forms.pdf")
    wb = openpyxl.load_workbook(book)
    for name in (f"{LOST}1", f"{LOST}2"):
        mine = [p for p in pages if p.split()[1] == name]
        assert len(mine) == 1, name  # a report fits on one page
        text = flat(mine[0])
        assert "###" not in text and "密级：机密★" in text and "台账锚点" in text
        values = [c for row in wb[name].iter_rows() for c in row if c.value is not None]
        missing = [(c.coordinate, shown(c)) for c in values if flat(shown(c)) not in text]
        assert missing == [], f"{name}: printed cut or not at all: {missing[:10]}"
    assert "未找回" in flat(next(p for p in pages if p.split()[1] == f"{LOST}2"))


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_no_loss_no_report(backend: str, tmp_path: Path) -> None:
    cli = _cli(backend, tmp_path, "forms_no_lost")
    out = tmp_path / "forms.xlsx"
    r = cli("forms", CODE, "-o", str(out))
    assert r.code == 0 and "载体遗失报告：无（本会议没有遗失的载体）" in r.out
    assert not [n for n in openpyxl.load_workbook(out).sheetnames if n.startswith(LOST)]
    # a loss reported by mistake and voided is no loss
    r = cli("tap", CODE, "--mode", "lost", "--note", "误报", "--approver", "赵保密",
            copy_uid("HY-01", 1))  # fmt: skip
    assert r.code == 0, r.out
    _void_last(cli)
    r = cli("forms", CODE, "-o", str(out), "--force")
    assert r.code == 0 and "载体遗失报告：无" in r.out
    assert not [n for n in openpyxl.load_workbook(out).sheetnames if n.startswith(LOST)]


def test_a_lost_pass_found_in_the_sweep(tmp_path: Path) -> None:
    cli = _cli("sqlite", tmp_path, "")
    r = cli("tap", CODE, "--mode", "lost", "--note", "会议证遗失", "--operator", "赵保密",
            pass_uid("A002"))  # fmt: skip
    assert r.code == 0, r.out
    r = cli("tap", CODE, "--mode", "sweep", "--room", "客房 301", pass_uid("A002"))
    assert r.code == 0, r.out
    out = tmp_path / "forms.xlsx"
    assert cli("forms", CODE, "-o", str(out)).code == 0
    wb = openpyxl.load_workbook(out)
    assert [n for n in wb.sheetnames if n.startswith(LOST)] == [f"{LOST}1"]
    card, events, _ = _report(wb[f"{LOST}1"])
    assert card["载体"] == "会议证 P002（胡国庆）" and card["会议证号"] == "P002"
    assert "文件编号" not in card and card["最后持有人"] == "A002 胡国庆"
    assert card["找回情况"] == "已找回（会后巡检找回，客房 301）"
    assert [e[1] for e in events] == ["发放", "挂失", "会后巡检找回"]
    assert events[-1][5] == "A002 胡国庆 客房 301"
