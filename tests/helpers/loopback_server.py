"""A plain TCP server on loopback for tests: one thread per connection, every loop bounded, and
the server stops with the ``with`` block. A subclass answers a connection in ``_serve``."""

from __future__ import annotations

import socket
import threading
from typing import Self


class LoopbackServer:
    """Listens on 127.0.0.1 on a free port; ``_serve(conn)`` runs on its own thread per connection."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def address(self) -> str:
        """``127.0.0.1:port``, as a proxy setting names the server."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return f"http://{self.address}{path}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
        self.sock.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    @staticmethod
    def read_head(conn: socket.socket) -> bytes:
        """An HTTP request's head and whatever came with it; empty if the peer left or sent more
        than 64 KiB without ending the head."""
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(4096)
            if not piece:
                return b""
            data += piece
            if len(data) > 65536:
                return b""
        return data
