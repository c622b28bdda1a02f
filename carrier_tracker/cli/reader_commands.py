"""CLI commands that talk to readers (``readers``, ``watch``): imported only when used."""

from __future__ import annotations

import argparse
import sys
import threading

from ..errors import CarrierTrackerError

ORIGINALITY_LABEL = {
    "unknown": "未校验",
    "absent": "无签名",
    "genuine": "原厂芯片",
    "failed": "签名不符（疑似克隆）",
}


def cmd_readers(_args: argparse.Namespace) -> int:
    """List PC/SC readers and nfcpy USB devices, or say why there are none."""
    try:
        from readers.pcsc_reader import list_readers
    except ImportError:
        print(
            "PC/SC：未安装 pyscard（pip install 'carrier-tracker[pcsc]'，需先 apt install pcscd libpcsclite-dev）"
        )
    else:
        names, why = list_readers()
        for name in names:
            print(f"PC/SC：{name}\t（用 --reader 'pcsc:{name}'）")
        if not names:
            print(f"PC/SC：无（{why}）")
    try:
        from readers.nfcpy_reader import list_devices
    except ImportError:
        print("nfcpy：未安装")
    else:
        devices, why = list_devices()
        for dev in devices:
            print(f"nfcpy：{dev}\t（用 --reader nfc:usb）")
        if not devices:
            print(f"nfcpy：无（{why}）")
    print("键盘输入读卡器：用 --reader wedge:stdin 或 wedge:/dev/input/eventN")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """Print each tap as it happens until Ctrl-C."""
    from readers import ReaderError, ReaderStatus, open_reader

    def status(st: ReaderStatus) -> None:
        state = "在线" if st.online else "离线"
        print(f"[读卡器 {state}] {st.name} {st.detail}".rstrip(), file=sys.stderr, flush=True)

    try:
        reader = open_reader(args.reader, debounce=args.debounce, on_status=status)
    except ReaderError as e:
        raise CarrierTrackerError(str(e)) from e
    stop = threading.Event()
    print(f"正在监听 {args.reader}，按 Ctrl-C 退出", file=sys.stderr, flush=True)
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
                    print(f"[无法识别] {errors.get_nowait()}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        stop.set()
    return 0
