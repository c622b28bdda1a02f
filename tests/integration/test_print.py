"""The paper as printed: the demo meeting's register, forms and carry list through real
LibreOffice to PDF, read back with pdftotext. Every value of every workbook is on the pages
(nothing printed as ``###``, nothing cut at a cell's edge: LibreOffice leaves clipped glyphs
out of the PDF), with the title block, the signature block and the ledger's anchor; 签收单 puts
each attendee on a page of their own."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from carrier_tracker.cli.demo import CODE, run_demo
from carrier_tracker.paper.export import export_carry_list
from carrier_tracker.storage import db
from tests.conftest import skip_or_fail
from tests.paper_tables import table


def to_pdf(books: list[Path], out: Path) -> None:
    """``soffice --headless --convert-to pdf``, with a profile of its own (no clash with a
    running LibreOffice or another test run)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdftotext") is None:
        skip_or_fail("LibreOffice (soffice) and poppler-utils (pdftotext) are needed to print")
    profile = (out / "lo-profile").as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), *map(str, books)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip


def pdf_pages(pdf: Path) -> list[str]:
    """The PDF's text page by page, in drawing order (a wrapped cell's lines stay together)."""
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return "".join(text.split())


def shown(cell: openpyxl.cell.cell.Cell) -> str:
    """A cell's value as the page shows it (the formats the paper uses)."""
    v = cell.value
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d" if cell.number_format == "yyyy-mm-dd" else "%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[str]]]:
    """After a whole demo meeting: each workbook and its PDF's pages."""
    work = tmp_path_factory.mktemp("print")
    assert run_demo(pause=0.0, workdir=work, colour=False) == 0
    engine = db.make_engine(f"sqlite:///{work / 'demo.db'}")
    with db.read_scope(engine) as s:
        export_carry_list(
            session=s, meeting_code=CODE, attendee_code="A003", path=work / "带离.xlsx"
        )
    engine.dispose()
    books = [work / "保密办登记.xlsx", work / "签字表格.xlsx", work / "带离.xlsx"]
    to_pdf(books, work)
    return {b.stem: (b, pdf_pages(b.with_suffix(".pdf"))) for b in books}


def test_every_value_is_on_the_pages(printed: dict[str, tuple[Path, list[str]]]) -> None:
    for name, (book, pages) in printed.items():
        text = flat("".join(pages))
        assert "###" not in text, name
        wb = openpyxl.load_workbook(book)
        values = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
        assert len(values) > 20, name
        missing = [
            (c.parent.title, c.coordinate, shown(c)) for c in values if flat(shown(c)) not in text
        ]
        assert missing == [], f"{name}: printed cut or not at all: {missing[:10]}"


def test_title_signatures_and_anchor_are_printed(
    printed: dict[str, tuple[Path, list[str]]],
) -> None:
    for name, (book, pages) in printed.items():
        text = flat("".join(pages))
        wb = openpyxl.load_workbook(book)
        for ws in wb:
            assert flat(ws["A1"].value) in text  # the document's title
        assert text.count("经办人（签名）") == len(wb.sheetnames), name
        assert "会议代号：HY2026-12" in text and "密级：机密★" in text
    register = flat("".join(printed["保密办登记"][1]))
    forms = printed["签字表格"][1]
    anchors = [flat(p) for p in forms if "台账锚点" in p]
    assert len(anchors) == 7  # the last page of each form
    anchor = register[register.index("台账锚点") :][: len("台账锚点") + 3 + 64]
    assert all(anchor in a for a in anchors)  # the same head: nothing happened in between
    assert "打印时台账校验：完整" in register


def test_page_count_is_sensible(printed: dict[str, tuple[Path, list[str]]]) -> None:
    book, pages = printed["签字表格"]
    receipts = table(openpyxl.load_workbook(book)["文件签收单"])
    people = {r[1] for r in receipts}
    assert len(people) >= 2  # the demo hands copies to more than one attendee
    # each page starts with its header: marking, sheet name, meeting code
    on_page = [
        {code for code in people if code in page}
        for page in pages
        if page.split()[1] == "文件签收单"
    ]
    with_rows = [codes for codes in on_page if codes]
    assert all(len(codes) == 1 for codes in with_rows)  # a page per attendee
    assert sorted(c for codes in with_rows for c in codes) == sorted(people)
    assert len(pages) <= 15
    assert len(printed["保密办登记"][1]) <= 30
    assert len(printed["带离"][1]) == 1
