"""A virtual NTAG behind an ACR122U, speaking vpcd's socket protocol (TESTING-READERS.md).

Connect = tag on the reader; close = tag lifted. Every message is a 2-byte big-endian length
and a payload; a 1-byte payload is a control code (0 off, 1 on, 2 reset, 4 send ATR).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

ATR = bytes.fromhex("3B8F8001804F0CA0000003060300030000000068")
TCP_QUICKACK = getattr(socket, "TCP_QUICKACK", 12)


class VirtualTag:
    """One tag; ``present()`` connects to vpcd, ``remove()`` disconnects."""

    def __init__(self, uid: bytes, port: int, host: str = "127.0.0.1") -> None:
        self.uid, self.port, self.host = uid, port, host
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.apdus: list[bytes] = []

    def present(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _recv_exact(self, sock: socket.socket, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, TCP_QUICKACK, 1)
                chunk = sock.recv(n - len(data))
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, sock: socket.socket, payload: bytes) -> None:
        sock.sendall(struct.pack(">H", len(payload)) + payload)

    def _serve(self, sock: socket.socket) -> None:
        while True:
            head = self._recv_exact(sock, 2)
            if head is None:
                return
            payload = self._recv_exact(sock, struct.unpack(">H", head)[0])
            if payload is None:
                return
            try:
                if len(payload) == 1:
                    if payload[0] == 4:
                        self._send(sock, ATR)
                    continue  # 0 off, 1 on, 2 reset: no reply
                self.apdus.append(payload)
                if payload == bytes.fromhex("FFCA000000"):
                    self._send(sock, self.uid + b"\x90\x00")
                else:
                    self._send(sock, b"\x6a\x81")
            except OSError:
                return
