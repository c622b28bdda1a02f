"""An NTAG215 answering nfcpy's ``udp`` driver, with the ISO 14443-3 states (TESTING-READERS.md).

Datagrams are ``b"106A <hex>"``; frames carry no CRC. ``present()``/``remove()`` put the tag in
and out of the field; ``RFOFF`` resets it to IDLE.
"""

from __future__ import annotations

import socket
import threading
from functools import reduce
from operator import xor

VERSION = bytes.fromhex("0004040201001103")  # NTAG215


class NtagEmulator:
    """One NTAG215 on a UDP port; ``signature`` is what READ_SIG returns (32 bytes)."""

    def __init__(self, uid: bytes, signature: bytes = b"\x00" * 32) -> None:
        assert len(uid) == 7
        self.uid, self.signature = uid, signature
        self.memory = bytearray(135 * 4)
        self.memory[0:3] = uid[0:3] + bytes([0x88 ^ uid[0] ^ uid[1] ^ uid[2]])
        self.memory[4:8] = uid[3:7]
        self.memory[8] = reduce(xor, uid[3:7])
        self.memory[12:16] = bytes.fromhex("E1103E00")  # capability container
        self.memory[16:20] = bytes.fromhex("0300FE00")  # empty NDEF
        self.state = "IDLE"
        self.present_ = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def present(self) -> None:
        self.state, self.present_ = "IDLE", True

    def remove(self) -> None:
        self.present_ = False

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=2)

    def _answer(self, frame: bytes) -> bytes | None:
        uid = self.uid
        cl1 = bytes([0x88, uid[0], uid[1], uid[2]])
        cl2 = uid[3:7]
        if frame in (b"\x26", b"\x52"):  # REQA / WUPA
            if frame == b"\x26" and self.state == "HALT":
                return None
            self.state = "READY1"
            return bytes.fromhex("4400")
        if self.state == "READY1" and frame == b"\x93\x20":
            return cl1 + bytes([reduce(xor, cl1)])
        if self.state == "READY1" and frame == b"\x93\x70" + cl1 + bytes([reduce(xor, cl1)]):
            self.state = "READY2"
            return b"\x04"
        if self.state == "READY2" and frame == b"\x95\x20":
            return cl2 + bytes([reduce(xor, cl2)])
        if self.state == "READY2" and frame == b"\x95\x70" + cl2 + bytes([reduce(xor, cl2)]):
            self.state = "ACTIVE"
            return b"\x00"
        if self.state != "ACTIVE" or not frame:
            return None
        cmd = frame[0]
        if cmd == 0x60:
            return VERSION
        if cmd == 0x30 and len(frame) == 2:
            start = frame[1] * 4
            return bytes((self.memory + self.memory)[start : start + 16])
        if cmd == 0x3A and len(frame) == 3:
            return bytes(self.memory[frame[1] * 4 : (frame[2] + 1) * 4])
        if cmd == 0xA2 and len(frame) == 6:
            page = frame[1]
            if page >= 4:
                self.memory[page * 4 : page * 4 + 4] = frame[2:6]
            return b"\x0a"
        if cmd == 0x3C:
            return self.signature
        if cmd == 0x50:
            self.state = "HALT"
            return None
        return b"\x00"  # NAK

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(1024)
            except OSError:
                return
            if data.startswith(b"RFOFF"):
                if self.state != "HALT":
                    self.state = "IDLE"
                continue
            if not self.present_:
                continue
            try:
                brty, hexdata = data.split()
                answer = self._answer(bytes.fromhex(hexdata.decode()))
            except ValueError:
                continue
            if answer is not None:
                try:
                    self.sock.sendto(brty + b" " + answer.hex().encode(), addr)
                except OSError:
                    return
