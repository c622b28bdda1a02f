"""The demo's period report as printed: through real LibreOffice to PDF, read back with
pdftotext and pdfinfo — every value of the workbook on the pages (nothing ``###``, nothing cut),
landscape A4, the marking and the period on every page, the signature block."""

from __future__ import annotations

import subprocess
from pathlib import Path

import openpyxl

from carrier_tracker.cli.demo import run_demo
from tests.integration.test_print import flat, pdf_pages, shown, to_pdf


def test_the_demo_report_prints_whole_on_landscape_pages(tmp_path: Path) -> None:
    assert run_demo(pause=0.0, workdir=tmp_path, colour=False) == 0
    book = tmp_path / "定期评估.xlsx"
    to_pdf([book], tmp_path)
    pdf = book.with_suffix(".pdf")
    pages = pdf_pages(pdf)
    text = flat("".join(pages))
    assert "###" not in text
    wb = openpyxl.load_workbook(book)
    values = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    missing = [
        (c.parent.title, c.coordinate, shown(c)) for c in values if flat(shown(c)) not in text
    ]
    assert missing == [], f"printed cut or not at all: {missing[:10]}"
    assert text.count("经办人（签名）") == len(wb.sheetnames)
    assert all("机密★" in p and "2026-12-01至2026-12-31" in flat(p) for p in pages)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size:"))
    width, height = (float(x) for x in size.split()[2:5:2])
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    assert len(pages) <= 4
