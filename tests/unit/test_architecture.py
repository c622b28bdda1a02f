"""The layering of docs/architecture.md §1: the core never pulls in Textual or the readers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_without_textual_or_readers() -> None:
    code = (
        "import sys, carrier_tracker.cli, carrier_tracker.custody.service, carrier_tracker.paper.importer, "
        "carrier_tracker.meeting.lifecycle, carrier_tracker.ledger\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'nfc', 'smartcard') or m.startswith(('carrier_tracker.readers', 'carrier_tracker.tui'))]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_readers_import_nothing_of_ours() -> None:
    code = (
        "import sys, carrier_tracker.readers.base, carrier_tracker.readers.sim\n"
        "ours = [m for m in sys.modules if m.split('.')[0] in ('carrier_tracker', 'textual')]\n"
        "print(','.join(m for m in ours if m != 'carrier_tracker' and not m.startswith('carrier_tracker.readers')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == ""


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")  # installed beside this interpreter
    out = subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_core_contract_lists_every_core_module() -> None:
    """The core contract names its top-level modules and packages one by one (the CLI is left out
    on purpose): a new one must be added there, or it would escape the check."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = next(
        c for c in config["tool"]["importlinter"]["contracts"] if "core never imports" in c["name"]
    )
    listed = set(contract["source_modules"])
    package = ROOT / "carrier_tracker"
    present = set()
    for path in package.iterdir():
        if path.name in ("cli", "__pycache__") or path.name.startswith("__init__"):
            continue
        if path.is_symlink():  # tui/ and readers/ of the repository's top level, not the core
            continue
        if path.suffix == ".py" or (path.is_dir() and (path / "__init__.py").exists()):
            present.add(f"carrier_tracker.{path.stem}")
    assert present == listed, f"missing: {present - listed}, stale: {listed - present}"
    # The readers may import none of it, nor the CLI or the desk: the same list, plus those two.
    readers = next(
        c for c in config["tool"]["importlinter"]["contracts"] if c["name"].startswith("readers")
    )
    ui = {"carrier_tracker.cli", "carrier_tracker.tui"}
    assert set(readers["forbidden_modules"]) == present | ui
