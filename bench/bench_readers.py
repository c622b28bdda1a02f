"""Reader benchmarks (run by hand): our added latency from the library's callback to the TagTap
leaving taps(), and the resident memory of an idle reader over time.

    python bench/bench_readers.py latency [--n 200]
    python bench/bench_readers.py idle --spec pcsc:Virtual --seconds 3600

The nfc measurement needs nothing running (it uses the test NTAG emulator on nfcpy's udp
driver); the pcsc one needs pcscd with vpcd (`source .ci/services.sh start`).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from carrier_tracker.readers import open_reader  # noqa: E402


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def latency_sim(n: int) -> list[float]:
    reader = open_reader("sim:", debounce=0.0)
    stop = threading.Event()
    out: list[float] = []
    it = reader.taps(stop)
    for i in range(n):
        uid = f"04{i:012X}"
        t0 = time.perf_counter()
        reader.present(uid)  # the "callback": what a backend does when the library reports a tag
        next(it)
        out.append(time.perf_counter() - t0)
        reader.remove()
    stop.set()
    reader.close()
    return out


def latency_nfc(n: int) -> list[float]:
    from tests.readers.ntag_emulator import NtagEmulator

    em = NtagEmulator(bytes.fromhex("04A1B2C3D4E5F6"))
    reader = open_reader(f"nfc:udp:127.0.0.1:{em.port}", debounce=0.0)
    entered: list[float] = []
    original = reader._on_connect  # type: ignore[attr-defined]

    def timed(tag, q):  # type: ignore[no-untyped-def]
        entered.append(time.perf_counter())
        return original(tag, q)

    reader._on_connect = timed  # type: ignore[attr-defined]
    stop = threading.Event()
    out: list[float] = []
    it = reader.taps(stop)
    for i in range(n):
        em.uid = bytes.fromhex(f"04{i:012X}")
        em.present()
        next(it)
        out.append(time.perf_counter() - entered[-1])
        em.remove()
        time.sleep(0.6)  # let nfcpy notice the tag left
    stop.set()
    reader.close()
    em.close()
    return out


def cmd_latency(args: argparse.Namespace) -> None:
    for name, fn, n in (("sim", latency_sim, args.n), ("nfc (udp)", latency_nfc, args.n_nfc)):
        xs = sorted(fn(n))
        print(
            f"{name:10s} n={n}: median {statistics.median(xs) * 1000:.3f} ms, p95 {xs[int(len(xs) * 0.95)] * 1000:.3f} ms "
            "(from the library's callback to the TagTap leaving taps())"
        )


def cmd_idle(args: argparse.Namespace) -> None:
    reader = open_reader(args.spec)
    stop = threading.Event()
    threading.Thread(target=lambda: [None for _ in reader.taps(stop)], daemon=True).start()
    t0 = time.monotonic()
    samples = []
    while time.monotonic() - t0 < args.seconds:
        time.sleep(args.every)
        samples.append((time.monotonic() - t0, _rss_mb()))
        print(f"{samples[-1][0]:7.0f} s  RSS {samples[-1][1]:.1f} MB", flush=True)
    stop.set()
    reader.close()
    half = len(samples) // 2
    first, second = samples[: max(half, 1)], samples[half:]
    print(
        f"{args.spec}: RSS first half mean {statistics.mean(r for _, r in first):.2f} MB, "
        f"second half mean {statistics.mean(r for _, r in second):.2f} MB, max {max(r for _, r in samples):.2f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("latency")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--n-nfc", type=int, default=30)
    p.set_defaults(func=cmd_latency)
    p = sub.add_parser("idle")
    p.add_argument("--spec", default="sim:")
    p.add_argument("--seconds", type=float, default=3600)
    p.add_argument("--every", type=float, default=60)
    p.set_defaults(func=cmd_idle)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
