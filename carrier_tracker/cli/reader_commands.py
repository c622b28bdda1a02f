"""CLI commands that talk to readers (``readers``, ``watch``): imported only when used."""

from __future__ import annotations

import argparse
import sys
import threading

from carrier_tracker import messages
from carrier_tracker.errors import CarrierTrackerError

ORIGINALITY_LABEL = {
    "unknown": messages.text("originality_unchecked"),
    "absent": messages.text("originality_unsigned"),
    "genuine": messages.text("originality_genuine"),
    "failed": messages.text("originality_mismatch"),
}


def cmd_readers(_args: argparse.Namespace) -> int:
    """List PC/SC readers and nfcpy USB devices, or say why there are none."""
    try:
        from carrier_tracker.readers.pcsc_reader import list_readers
    except ImportError:
        print(messages.text("readers_pcsc_missing"))
    else:
        names, why = list_readers()
        for name in names:
            print(messages.text("readers_pcsc_row", name=name))
        if not names:
            print(messages.text("readers_pcsc_none", why=why))
    try:
        from carrier_tracker.readers.nfcpy_reader import list_devices
    except ImportError:
        print(messages.text("readers_nfc_missing"))
    else:
        devices, why = list_devices()
        for dev in devices:
            print(messages.text("readers_nfc_row", dev=dev))
        if not devices:
            print(messages.text("readers_nfc_none", why=why))
    print(messages.text("readers_wedge_hint"))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """Print each tap as it happens until Ctrl-C."""
    from carrier_tracker.readers import ReaderError, ReaderStatus, open_reader

    def status(st: ReaderStatus) -> None:
        state = messages.text("reader_online") if st.online else messages.text("reader_offline")
        print(
            messages.text(
                "reader_state_line", state=state, name=st.name, detail=st.detail
            ).rstrip(),
            file=sys.stderr,
            flush=True,
        )

    try:
        reader = open_reader(args.reader, debounce=args.debounce, on_status=status)
    except ReaderError as e:
        raise CarrierTrackerError(str(e)) from e
    stop = threading.Event()
    print(messages.text("watching", reader=args.reader), file=sys.stderr, flush=True)
    try:
        with reader:
            for tap in reader.taps(stop):
                kind = " ".join(x for x in (tap.product, tap.tag_type) if x) or "-"
                local = tap.at.astimezone().strftime("%H:%M:%S")
                print(
                    f"{local}\t{tap.uid}\t{kind}\t{ORIGINALITY_LABEL[tap.originality]}", flush=True
                )
                errors = getattr(reader, "errors", None)
                while errors is not None and not errors.empty():
                    print(
                        messages.text("unrecognised_input", data=errors.get_nowait()),
                        file=sys.stderr,
                        flush=True,
                    )
    except KeyboardInterrupt:
        stop.set()
    return 0
