"""A loopback HTTP(S) server kit that hosts the school-system emulators.

Each emulator gets its own 127.0.0.1 port, as each real system has its own host. The kit
owns the socket work (keep-alive, TLS, fault injection, a redacted request log) so an
emulator is only ``handle(Request) -> Response`` over a synthetic school.

Faults are injected per system and optionally per route: latency, 429 with Retry-After,
5xx, a dropped connection, a truncated or malformed body, or a slow trickle.
"""

from __future__ import annotations

import enum
import json
import socket
import ssl
import threading
import time
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LOOPBACK = "127.0.0.1"
REDACTED_QUERY = frozenset({"token", "secret", "password", "key", "apikey", "client_secret", "code"})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names lower-cased."""
    body: bytes = b""

    def arg(self, name: str, default: str = "", *, ignore_case: bool = False) -> str:
        """A query-string or form value (query first)."""
        for source in (self.query, self.form()):
            if ignore_case:
                for k, v in source.items():
                    if k.lower() == name.lower() and v:
                        return v[0]
            elif source.get(name):
                return source[name][0]
        return default

    def form(self) -> dict[str, list[str]]:
        if "application/x-www-form-urlencoded" not in self.headers.get("content-type", ""):
            return {}
        return urllib.parse.parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_response(obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(status, json.dumps(obj, separators=(",", ":")).encode(), headers=dict(headers or {}))


def text_response(text: str, status: int = 200, content_type: str = "text/plain; charset=utf-8",
                  headers: Mapping[str, str] | None = None, encoding: str = "utf-8") -> Response:
    return Response(status, text.encode(encoding), content_type, dict(headers or {}))


@dataclass(frozen=True)
class Scenario:
    """A setup mistake admins make, as credentials, and the check code the wizard must report."""

    credentials: dict[str, Any]
    expect: str
    description: str = ""


class Emulator(ABC):
    """One system's API over a synthetic school. Subclasses live in ``vendors/<id>/sandbox.py``."""

    system: str = ""

    @abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer one request; called from server threads, so keep shared state locked."""

    @abstractmethod
    def credentials(self, base_url: str) -> dict[str, Any]:
        """Working credentials, in the shape ``mis-wizard check --credentials`` reads."""

    def scenarios(self, base_url: str) -> dict[str, Scenario]:
        return {}


class FaultKind(enum.StrEnum):
    LATENCY = "latency"
    RATE_LIMIT = "429"
    SERVER_ERROR = "5xx"
    DROP = "drop"
    TRUNCATE = "truncate"
    MALFORMED = "malformed"
    TRICKLE = "trickle"


@dataclass
class Fault:
    kind: FaultKind
    route: str = ""
    """Path prefix (or substring of the query) the fault applies to; empty for every request."""
    times: int | None = None
    """How many requests it hits before it is spent; None for every matching request."""
    after: int = 0
    """Matching requests to let through before it starts."""
    latency_ms: int = 0
    """The answer goes out this long after the request came in: the emulator's own work on it is
    inside that time, as a real server's is inside its response time (with the work added on top,
    answers asked for together would also queue behind each other for this process's GIL)."""
    retry_after: int = 1
    status: int = 500

    def matches(self, request: Request, raw_target: str) -> bool:
        return not self.route or request.path.startswith(self.route) or self.route in raw_target


@dataclass
class LogEntry:
    system: str
    method: str
    path: str
    params: list[str]
    """Names of query parameters only; values may be secrets."""
    status: int
    elapsed_ms: int
    """Until the answer started going out (a trickled body is not counted)."""
    fault: str = ""


class Hosted:
    """An emulator bound to its own port, with its faults."""

    def __init__(self, emulator: Emulator, server: _Server, scheme: str) -> None:
        self.emulator = emulator
        self.server = server
        self.scheme = scheme
        self.faults: list[Fault] = []
        self._seen: dict[int, int] = {}
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def take_fault(self, request: Request, raw_target: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if not f.matches(request, raw_target):
                    continue
                n = self._seen.get(id(f), 0)
                self._seen[id(f)] = n + 1
                if n < f.after:
                    continue
                if f.times is not None:
                    if n - f.after >= f.times:
                        continue
                return f
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    hosted: Hosted
    sandbox: Sandbox

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients closing idle keep-alive connections is normal; anything else is an emulator bug."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError | ssl.SSLError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    """Headers and body go out in separate writes; without this each response waits ~40 ms."""
    server: _Server

    def setup(self) -> None:
        """TLS handshakes happen here, on the connection's own thread, so a stalled client blocks
        only itself (not the accept loop, nor close())."""
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """The kit keeps its own redacted log; stderr stays quiet."""

    def _serve(self) -> None:
        started = time.perf_counter()
        hosted = self.server.hosted
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command,
            path=urllib.parse.unquote(parsed.path),
            query=urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        fault = hosted.take_fault(request, self.path)
        answer_at = started + fault.latency_ms / 1000 if fault and fault.latency_ms else 0.0
        if fault and fault.kind is FaultKind.DROP:
            _wait_until(answer_at)
            self._log(request, 0, started, fault)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault and fault.kind is FaultKind.RATE_LIMIT:
            response = json_response({"error": "Too many requests"}, 429, {"Retry-After": str(fault.retry_after)})
        elif fault and fault.kind is FaultKind.SERVER_ERROR:
            response = text_response("Internal Server Error", fault.status)
        else:
            try:
                response = hosted.emulator.handle(request)
            except Exception as exc:  # an emulator bug must show as a 500, not hang the client
                response = text_response(f"emulator error: {type(exc).__name__}: {exc}", 500)
        _wait_until(answer_at)
        payload = response.body
        if fault and fault.kind is FaultKind.MALFORMED:
            payload = payload[: max(1, len(payload) // 2)] + b"\x00<<garbled>>{"
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        # Logged before the body goes out, so the log is in order by the time a client can retry.
        self._log(request, response.status, started, fault)
        if fault and fault.kind is FaultKind.TRUNCATE:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif fault and fault.kind is FaultKind.TRICKLE:
            step = max(1, len(payload) // 20)
            for i in range(0, len(payload), step):
                self.wfile.write(payload[i : i + step])
                self.wfile.flush()
                time.sleep(max(fault.latency_ms, 50) / 1000 / 20)
        else:
            self.wfile.write(payload)

    def _log(self, request: Request, status: int, started: float, fault: Fault | None) -> None:
        self.server.sandbox.log.append(LogEntry(
            system=self.server.hosted.emulator.system, method=request.method, path=request.path,
            params=sorted(request.query), status=status,
            elapsed_ms=int((time.perf_counter() - started) * 1000), fault=fault.kind.value if fault else ""))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


def _wait_until(moment: float) -> None:
    left = moment - time.perf_counter()
    if left > 0:
        time.sleep(left)


def self_signed_context(directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server context for 127.0.0.1 with a fresh self-signed certificate; returns the cert path
    so a client can be told to trust it."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MIS Wizard sandbox")])
    now = datetime.datetime.now(datetime.UTC)
    import ipaddress

    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "sandbox-cert.pem", directory / "sandbox-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_path, key_path)
    key_path.unlink()
    return ctx, cert_path


class Sandbox:
    """Serves emulators on loopback until ``close()``; usable as a context manager."""

    def __init__(self, host: str = LOOPBACK, tls_dir: Path | None = None) -> None:
        if host not in (LOOPBACK, "localhost"):
            raise ValueError("The sandbox only listens on loopback (127.0.0.1).")
        self.host = LOOPBACK
        self.hosted: dict[str, Hosted] = {}
        self.log: list[LogEntry] = []
        self.cert_path: Path | None = None
        self._tls: ssl.SSLContext | None = None
        if tls_dir is not None:
            self._tls, self.cert_path = self_signed_context(tls_dir)
        self._threads: list[threading.Thread] = []

    def add(self, emulator: Emulator, port: int = 0) -> Hosted:
        server = _Server((self.host, port), _Handler)
        scheme = "http"
        if self._tls is not None:
            server.socket = self._tls.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
            scheme = "https"
        hosted = Hosted(emulator, server, scheme)
        server.hosted = hosted
        server.sandbox = self
        self.hosted[emulator.system] = hosted
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  name=f"sandbox-{emulator.system}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return hosted

    def replace(self, emulator: Emulator) -> None:
        """Serve a new emulator (e.g. over a changed school) on the same port, as a school's data
        changes between two syncs."""
        hosted = self.hosted[emulator.system]
        with hosted.lock:
            hosted.emulator = emulator

    def base_url(self, system: str) -> str:
        return self.hosted[system].base_url

    def emulator(self, system: str) -> Emulator:
        return self.hosted[system].emulator

    def inject(self, system: str, fault: Fault) -> Fault:
        hosted = self.hosted[system]
        with hosted.lock:
            hosted.faults.append(fault)
        return fault

    def clear_faults(self, system: str | None = None) -> None:
        for sid, hosted in self.hosted.items():
            if system in (None, sid):
                with hosted.lock:
                    hosted.faults.clear()
                    hosted._seen.clear()

    def describe(self) -> dict[str, Any]:
        """The ``--json`` line of ``mis-wizard sandbox``."""
        systems: dict[str, Any] = {}
        for sid, hosted in self.hosted.items():
            base = hosted.base_url
            systems[sid] = {
                "base_url": base,
                "credentials": hosted.emulator.credentials(base),
                "scenarios": {name: {"credentials": s.credentials, "expect": s.expect}
                              for name, s in hosted.emulator.scenarios(base).items()},
            }
        out: dict[str, Any] = {"systems": systems}
        if self.cert_path:
            out["ca_cert"] = str(self.cert_path)
        return out

    def close(self) -> None:
        for hosted in self.hosted.values():
            hosted.server.shutdown()
            hosted.server.server_close()
        for t in self._threads:
            t.join(timeout=2)
        self._threads.clear()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
