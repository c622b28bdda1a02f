"""Render the paper as printed: the demo meeting's 保密办 workbook, signed forms and a carry list,
printed to PDF by LibreOffice, the first page of each sheet as a PNG in this folder, and
``docs/print/README.md`` listing them.

    python docs/print/make_print.py

Needs LibreOffice (``soffice``) and poppler-utils (``pdftotext``, ``pdftoppm``) with a CJK font
(Debian: ``libreoffice-calc``, ``poppler-utils``, ``fonts-noto-cjk``; ``.ci/run`` installs them).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RESOLUTION = 60  # dots per inch: an A4 page is about 700 x 500 pixels


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from carrier_tracker.cli.demo import CODE, run_demo
    from carrier_tracker.paper.export import export_carry_list
    from carrier_tracker.storage import db

    for tool in ("soffice", "pdftotext", "pdftoppm"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (apt-get install libreoffice-calc poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with contextlib.redirect_stdout(io.StringIO()):
            assert run_demo(pause=0.0, workdir=work, colour=False) == 0
        engine = db.make_engine(f"sqlite:///{work / 'demo.db'}")
        with db.read_scope(engine) as s:
            export_carry_list(
                session=s, meeting_code=CODE, attendee_code="A003", path=work / "带离.xlsx"
            )
        engine.dispose()
        books = {
            "register": work / "保密办登记.xlsx",
            "forms": work / "签字表格.xlsx",
            "carry-list": work / "带离.xlsx",
        }
        subprocess.run(
            ["soffice", f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), *map(str, books.values())],
            check=True, capture_output=True,
        )  # fmt: skip
        for old in HERE.glob("*.png"):
            old.unlink()
        listed = []
        for name, book in books.items():
            pdf = book.with_suffix(".pdf")
            for n, (sheet, page, pages) in enumerate(_first_pages(pdf), start=1):
                png = HERE / f"{name}-{n:02d}"
                subprocess.run(
                    ["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(RESOLUTION),
                     "-png", "-singlefile", str(pdf), str(png)],
                    check=True,
                )  # fmt: skip
                listed.append((name, sheet, png.with_suffix(".png").name, pages))
    _index(listed)
    print(f"wrote {len(listed)} pages to {HERE}")


def _first_pages(pdf: Path) -> list[tuple[str, int, int]]:
    """(sheet name, its first page, how many pages it takes) in printed order: each page's
    first line is its header — marking, sheet name, meeting code."""
    text = subprocess.run(
        ["pdftotext", "-raw", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    names = [page.split()[1] for page in text.split("\f")[:-1]]
    out: list[tuple[str, int, int]] = []
    for number, name in enumerate(names, start=1):
        if not out or out[-1][0] != name:
            out.append((name, number, names.count(name)))
    return out


def _index(listed: list[tuple[str, str, str, int]]) -> None:
    titles = {"register": "保密办工作簿（export）", "forms": "签字表格（forms）",
              "carry-list": "带离文件目录（carry-list A003）"}  # fmt: skip
    lines = [
        "# The paper, as printed",
        "",
        "The first page of each sheet of the demo meeting's workbooks (`carrier-tracker demo",
        "--script`), printed to PDF by LibreOffice at its default settings. Regenerate with",
        "`python docs/print/make_print.py` (needs LibreOffice, poppler-utils and a CJK font).",
        "",
    ]
    book = ""
    for name, sheet, png, pages in listed:
        if name != book:
            lines += ["", f"## {titles[name]}", ""]
            book = name
        lines.append(f"- {sheet} ({pages} 页): ![{sheet}]({png})")
    (HERE / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
