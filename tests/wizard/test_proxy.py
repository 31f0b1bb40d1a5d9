"""Proxies as schools have them, over loopback: a PAC file that sends the school system's host
through a proxy, proxies that want a login (Basic, NTLM, Negotiate), and PAC servers that misbehave.

The proxy here is a real forwarding and CONNECT proxy on loopback. The school system's address is
``sis.school.test``, a name only the proxy knows (it maps it to the sandbox on 127.0.0.1), so a
check that passes went through the proxy."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from loopback_server import LoopbackServer

from mis_wizard.vendors import registry
from mis_wizard.wizard import proxy
from mis_wizard.wizard.cli import main

SCHOOL_HOST = "sis.school.test"
PROXY_PASSWORD = "Pr0xy-Pass!word"


class LoopbackProxy(LoopbackServer):
    """A small HTTP proxy: absolute-URI requests are forwarded, CONNECT is tunnelled. ``login`` is
    None (open), ("basic", user, password), ("ntlm", user file) checked with pyspnego's NTLM
    acceptor on the same connection, or ("refuse", [Proxy-Authenticate values]) for an endless 407."""

    def __init__(self, login: tuple[Any, ...] | None = None) -> None:
        super().__init__()
        self.login = login
        self.seen: list[tuple[str, str, str]] = []  # (method, target, login scheme sent or "")
        self.headers_seen: list[bytes] = []

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        acceptor = None
        try:
            while True:
                data = self.read_head(conn)
                if not data:
                    return
                head, _, rest = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                self.headers_seen.append(head)
                auth = headers.get("proxy-authorization", "")
                scheme = auth.split(" ", 1)[0].lower() if auth else ""
                self.seen.append((method, target, scheme))
                allowed, challenge, acceptor = self._check(auth, acceptor)
                if not allowed:
                    conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n" + challenge +
                                 b"Content-Length: 22\r\n\r\nproxy login required\r\n")
                    continue
                if method == "CONNECT":
                    self._tunnel(conn, target)
                else:
                    self._forward(conn, method, target, lines[1:], rest)
                return
        except OSError:
            pass
        finally:
            conn.close()

    def _check(self, auth: str, acceptor: Any) -> tuple[bool, bytes, Any]:
        if self.login is None:
            return True, b"", None
        kind = self.login[0]
        if kind == "refuse":
            return False, b"".join(f"Proxy-Authenticate: {v}\r\n".encode() for v in self.login[1]), None
        if kind == "basic":
            wanted = "Basic " + base64.b64encode(f"{self.login[1]}:{self.login[2]}".encode()).decode()
            return auth == wanted, b'Proxy-Authenticate: Basic realm="school"\r\n', None
        # ntlm: a fresh acceptor per connection, stepped with each leg on it
        import spnego

        if not auth.lower().startswith("ntlm "):
            return False, b"Proxy-Authenticate: NTLM\r\n", None
        acceptor = acceptor or spnego.server(protocol="ntlm")
        try:
            out = acceptor.step(base64.b64decode(auth.split(" ", 1)[1]))
        except Exception:
            return False, b"Proxy-Authenticate: NTLM\r\n", None
        if acceptor.complete:
            return True, b"", acceptor
        return False, f"Proxy-Authenticate: NTLM {base64.b64encode(out).decode()}\r\n".encode(), acceptor

    @staticmethod
    def _upstream(host_port: str) -> socket.socket:
        host, _, port = host_port.rpartition(":")
        return socket.create_connection(("127.0.0.1" if host == SCHOOL_HOST else host, int(port)), timeout=10)

    def _tunnel(self, conn: socket.socket, target: str) -> None:
        try:
            up = self._upstream(target)
        except OSError:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")

        def pipe(a: socket.socket, b: socket.socket) -> None:
            try:
                while piece := a.recv(65536):
                    b.sendall(piece)
            except OSError:
                pass
            finally:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        other = threading.Thread(target=pipe, args=(up, conn), daemon=True)
        other.start()
        pipe(conn, up)
        other.join(timeout=10)
        up.close()

    def _forward(self, conn: socket.socket, method: str, target: str, header_lines: list[str], rest: bytes) -> None:
        scheme, _, remainder = target.partition("://")
        host_port, _, path = remainder.partition("/")
        kept = [line for line in header_lines if not line.lower().startswith(("proxy-", "connection"))]
        length = next((int(line.split(":", 1)[1]) for line in kept if line.lower().startswith("content-length")), 0)
        while len(rest) < length:
            rest += conn.recv(65536)
        up = self._upstream(host_port if ":" in host_port else f"{host_port}:80")
        up.sendall(f"{method} /{path} HTTP/1.1\r\n".encode() + "\r\n".join(kept + ["Connection: close"]).encode()
                   + b"\r\n\r\n" + rest)
        reply = b""
        while piece := up.recv(65536):
            reply += piece
        up.close()
        head, _, body = reply.partition(b"\r\n\r\n")
        lines = [line for line in head.split(b"\r\n") if not line.lower().startswith(b"connection")]
        conn.sendall(b"\r\n".join(lines + [b"Connection: close"]) + b"\r\n\r\n" + body)


class PacServer(LoopbackServer):
    """Serves /proxy.pac (the given script), /endless (never stops), /garbage and /slow-script."""

    def __init__(self, script: str) -> None:
        super().__init__()
        self.script = script.encode()
        self.fetched: list[str] = []

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            head = self.read_head(conn)
            path = head.split(b" ", 2)[1].decode() if head else ""
            self.fetched.append(path)
            kind = "application/x-ns-proxy-autoconfig"
            if path == "/proxy.pac":
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(self.script)}\r\n"
                             "Connection: close\r\n\r\n".encode() + self.script)
            elif path == "/garbage":
                body = b"\x00\xff<html>Sign in to the network</html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            elif path == "/loops":
                body = b"function FindProxyForURL(url, host) { while (true) {} }"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
            elif path == "/endless":
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\n\r\n".encode())
                sent = 0
                while not self.stopped.is_set() and sent < 50_000_000:
                    conn.sendall(b"// " + b"x" * 8189 + b"\n")
                    sent += 8192
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()


def pac_through(proxy_address: str) -> str:
    return ("function FindProxyForURL(url, host) {\n"
            f'  if (dnsDomainIs(host, ".school.test")) return "PROXY {proxy_address}; DIRECT";\n'
            '  return "DIRECT";\n}\n')


@pytest.fixture(autouse=True)
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy",
                 "ALL_PROXY", "all_proxy", proxy.PROXY_ENV, proxy.LOGIN_ENV):
        monkeypatch.delenv(name, raising=False)
    proxy.forget_pac_files()
    yield
    proxy.forget_pac_files()


@pytest.fixture
def powerschool(sandbox, small_school):
    spec = registry.get("powerschool")
    return sandbox.add(spec.emulator(small_school))


def plain_http_profile(tmp_path: Path) -> Path:
    """The demo profile, allowing plain http (the proxy here speaks to the sandbox without TLS)."""
    from mis_wizard.resources import ROOT

    text = (ROOT / "profiles" / "demo.toml").read_text(encoding="utf-8")
    path = tmp_path / "plain-http.toml"
    path.write_text(text.replace("[handoff]\n", "[handoff]\nallow_plain_http = true\n", 1), encoding="utf-8")
    return path


def run_check(hosted, tmp_path: Path, capsys, *, json_out: bool = True) -> tuple[int, Any]:
    port = hosted.base_url.rsplit(":", 1)[1]
    creds = hosted.emulator.credentials(f"http://{SCHOOL_HOST}:{port}")
    path = tmp_path / "creds.json"
    path.write_text(json.dumps(creds), encoding="utf-8")
    capsys.readouterr()
    code = main(["check", "powerschool", "--credentials", str(path), "--profile", str(plain_http_profile(tmp_path))]
                + (["--json"] if json_out else []))
    out = capsys.readouterr().out
    return code, json.loads(out) if json_out else out


def check_via(powerschool, tmp_path: Path, capsys, monkeypatch, login: tuple[Any, ...],
              userinfo: str = "") -> tuple[int, Any, LoopbackProxy]:
    """The check through a LoopbackProxy that wants ``login``, named in MIS_WIZARD_PROXY as
    ``http://{userinfo}{address}``: the exit code, the report and the proxy (stopped)."""
    with LoopbackProxy(login) as lp:
        monkeypatch.setenv(proxy.PROXY_ENV, f"http://{userinfo}{lp.address}")
        code, report = run_check(powerschool, tmp_path, capsys)
    return code, report, lp


def failures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["status"] == "failed"]


def test_a_pac_file_on_loopback_routes_the_check_through_its_proxy(powerschool, tmp_path, capsys,
                                                                   monkeypatch) -> None:
    with LoopbackProxy() as lp, PacServer(pac_through(lp.address)) as pac:
        monkeypatch.setenv(proxy.PROXY_ENV, f"pac:{pac.url('/proxy.pac')}")
        code, report = run_check(powerschool, tmp_path, capsys)
    assert code == 0, failures(report)
    assert pac.fetched == ["/proxy.pac"]  # fetched once for the whole check
    targets = [t for _, t, _ in lp.seen]
    assert targets and all(t.startswith(f"http://{SCHOOL_HOST}:") for t in targets)
    assert any("/oauth/access_token" in t for t in targets)
    network = report["network"]
    assert network["mode"] == "pac" and network["pac"] == pac.url("/proxy.pac")
    assert network["routes"] == {SCHOOL_HOST: f"http://{lp.address}"}
    assert "proxy auto-config file" in network["setting"]


def test_the_printed_check_says_which_proxy_it_went_through(powerschool, tmp_path, capsys, monkeypatch) -> None:
    with LoopbackProxy() as lp, PacServer(pac_through(lp.address)) as pac:
        monkeypatch.setenv(proxy.PROXY_ENV, f"pac:{pac.url('/proxy.pac')}")
        code, out = run_check(powerschool, tmp_path, capsys, json_out=False)
    assert code == 0, out
    assert f"Network: proxy setting: the proxy auto-config file {pac.url('/proxy.pac')}" in out
    assert f"went through http://{lp.address}" in out


def test_a_sync_goes_through_the_pac_proxy_too(powerschool, tmp_path, capsys, monkeypatch) -> None:
    with LoopbackProxy() as lp, PacServer(pac_through(lp.address)) as pac:
        monkeypatch.setenv(proxy.PROXY_ENV, f"pac:{pac.url('/proxy.pac')}")
        port = powerschool.base_url.rsplit(":", 1)[1]
        creds = tmp_path / "creds.json"
        creds.write_text(json.dumps(powerschool.emulator.credentials(f"http://{SCHOOL_HOST}:{port}")))
        out_dir = tmp_path / "out"
        code = main(["sync", "powerschool", "--credentials", str(creds), "--profile",
                     str(plain_http_profile(tmp_path)), "--to", f"csv:{out_dir}", "--entities", "students", "--json"])
    assert code == 0, capsys.readouterr()
    assert (out_dir / "students.csv").stat().st_size > 100
    assert any("/ws/v1/" in t and t.startswith(f"http://{SCHOOL_HOST}") for _, t, _ in lp.seen)


@pytest.mark.parametrize("offered", [["NTLM"], ["Negotiate", "NTLM"]])
def test_a_proxy_that_wants_a_windows_login_gets_a_clear_message(powerschool, tmp_path, capsys, monkeypatch,
                                                                  caplog, offered) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(proxy.LOGIN_ENV, "off")  # on a Windows runner, do not offer the runner's own login
    code, report, lp = check_via(powerschool, tmp_path, capsys, monkeypatch, ("refuse", offered))
    assert code == 1
    failed = failures(report)
    assert failed
    first = failed[0]
    assert first["message"].startswith(f"The proxy server {lp.address} asked for a login (")
    assert "NTLM (Windows sign-in)" in first["message"]
    assert ("Negotiate (Windows sign-in)" in first["message"]) == ("Negotiate" in offered)
    assert "ask your network team to allow this computer's address" in first["remedy"].lower()
    assert "mis-wizard proxy set http://PROXY:PORT --user NAME" in first["remedy"]
    assert "Error" not in first["message"] and "407" not in first["message"]
    # nothing was sent that looks like a login, and no secret of the sandbox reached the log
    assert all(scheme == "" for _, _, scheme in lp.seen)
    secret = powerschool.emulator.credentials("x")["plugin"]["client_secret"]
    assert secret not in caplog.text


def test_basic_login_saved_in_settings_is_used_and_kept_out_of_the_log(powerschool, tmp_path, capsys, caplog,
                                                                        monkeypatch) -> None:
    caplog.set_level(logging.DEBUG)
    with LoopbackProxy(("basic", "wizard", PROXY_PASSWORD)) as lp:
        monkeypatch.setenv("TEST_PROXY_PW", PROXY_PASSWORD)
        capsys.readouterr()
        code = main(["proxy", "set", f"http://{lp.address}", "--user", "wizard", "--password-env", "TEST_PROXY_PW"])
        assert code == 0
        settings = proxy.settings_path().read_text(encoding="utf-8")
        assert PROXY_PASSWORD not in settings
        code, report = run_check(powerschool, tmp_path, capsys)
    assert code == 0, failures(report)
    assert lp.seen[0][2] == ""  # first asked without a login, so none is sent to a proxy that wants none
    assert any(scheme == "basic" for _, _, scheme in lp.seen)
    assert report["network"]["logins"] == {lp.address: "basic as wizard"}
    assert PROXY_PASSWORD not in caplog.text
    assert PROXY_PASSWORD not in json.dumps(report)


def test_a_wrong_basic_password_says_the_saved_login_was_refused(powerschool, tmp_path, capsys,
                                                                  monkeypatch) -> None:
    code, report, lp = check_via(powerschool, tmp_path, capsys, monkeypatch, ("basic", "wizard", PROXY_PASSWORD),
                                 "wizard:not-the-password@")
    assert code == 1
    first = failures(report)[0]
    assert first["message"].startswith(f"The proxy server {lp.address} asked for a login (Basic (user and "
                                       "password)) and did not accept the one the wizard gave (basic as wizard).")
    assert "not-the-password" not in json.dumps(report)


def test_an_ntlm_proxy_is_answered_on_one_connection_with_the_saved_login(powerschool, tmp_path, capsys,
                                                                         monkeypatch, caplog) -> None:
    """The login tunnel (CONNECT with NTLM legs on one connection) that on Windows carries the signed-in
    user's login through SSPI; here with a saved user, checked by pyspnego's NTLM acceptor."""
    caplog.set_level(logging.DEBUG)
    users = tmp_path / "ntlm-users"
    users.write_text(f"SCHOOL:wizard:{PROXY_PASSWORD}\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(users))
    code, report, lp = check_via(powerschool, tmp_path, capsys, monkeypatch, ("ntlm",),
                                 f"SCHOOL%5Cwizard:{PROXY_PASSWORD.replace('!', '%21')}@")
    assert code == 0, failures(report)
    connects = [(m, t, s) for m, t, s in lp.seen if m == "CONNECT"]
    assert connects and all(t.startswith(f"{SCHOOL_HOST}:") for _, t, _ in connects)
    assert {s for _, _, s in connects} == {"ntlm"}
    assert report["network"]["logins"] == {lp.address: "ntlm as SCHOOL\\wizard"}
    assert PROXY_PASSWORD not in caplog.text


def pac_failure(powerschool, tmp_path: Path, capsys, monkeypatch, path: str) -> tuple[str, dict[str, Any]]:
    """The check with MIS_WIZARD_PROXY naming ``path`` on a PAC server: it fails within its bound;
    the PAC file's address and the first failure."""
    with PacServer("") as pac:
        url = pac.url(path)
        monkeypatch.setenv(proxy.PROXY_ENV, f"pac:{url}")
        started = time.monotonic()
        code, report = run_check(powerschool, tmp_path, capsys)
    assert time.monotonic() - started < 30
    assert code == 1
    return url, failures(report)[0]


def test_a_pac_server_that_never_stops_is_cut_off_and_said_plainly(powerschool, tmp_path, capsys,
                                                                   monkeypatch) -> None:
    url, first = pac_failure(powerschool, tmp_path, capsys, monkeypatch, "/endless")
    assert first["message"].startswith(f"The proxy auto-config file {url} (from the "
                                       "MIS_WIZARD_PROXY environment variable) could not be used: it kept sending "
                                       "past 2 MB, which no PAC file is.")
    assert "mis-wizard proxy set" in first["remedy"]


@pytest.mark.parametrize(("path", "why"), [("/garbage", "it is not a proxy auto-config file"),
                                           ("/loops", "its script did not finish within 10 seconds"),
                                           ("/missing", "its server answered with status")])
def test_a_pac_file_that_cannot_be_used_is_said_plainly(powerschool, tmp_path, capsys, monkeypatch, path,
                                                        why) -> None:
    _, first = pac_failure(powerschool, tmp_path, capsys, monkeypatch, path)
    assert why in first["message"]


def test_wpad_that_cannot_be_found_goes_direct_within_its_bound(powerschool, tmp_path, capsys,
                                                                monkeypatch) -> None:
    """This machine has no wpad host: the check goes direct (to the sandbox on loopback) and says why."""
    monkeypatch.setenv(proxy.PROXY_ENV, "wpad")
    port = powerschool.base_url.rsplit(":", 1)[1]
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(powerschool.emulator.credentials(f"http://localhost:{port}")))
    capsys.readouterr()
    started = time.monotonic()
    code = main(["check", "powerschool", "--credentials", str(creds), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert time.monotonic() - started < 30
    assert code == 0, failures(report)
    # loopback is direct without asking WPAD at all
    assert report["network"]["routes"] == {"localhost": "direct"}
    assert report["network"]["notes"] == []


def test_wpad_is_tried_once_per_run_and_bounded() -> None:
    """There is no wpad host here: the first client finds none within its bound and goes direct; a
    second client in the same run does not try again."""
    import asyncio

    import httpx

    async def go() -> tuple[list[float], list[list[str]], list[str | None]]:
        times, notes, routes = [], [], []
        for _ in range(2):
            resolver = proxy.ProxyResolver(proxy.ProxyChoice("wpad"))
            started = time.monotonic()
            routes.append(await resolver.proxy_for(httpx.URL(f"https://{SCHOOL_HOST}/ws/v1/time")))
            times.append(time.monotonic() - started)
            notes.append(resolver.notes)
            await resolver.aclose()
        return times, notes, routes

    times, notes, routes = asyncio.run(go())
    assert routes == [None, None]
    assert times[0] < proxy.WPAD_SECONDS + 2 and times[1] < 0.5
    assert notes[0] == notes[1] and len(notes[0]) == 1
    assert notes[0][0].startswith("the automatically detected (WPAD) proxy file http://wpad/wpad.dat was not used: ")


def test_choices_parse_and_the_registry_flag_reads() -> None:
    assert proxy.parse_choice("", "x").mode == "system"
    assert proxy.parse_choice("DIRECT", "x").mode == "direct"
    fixed = proxy.parse_choice("proxy.school.internal:3128", "x")
    assert (fixed.mode, fixed.address, fixed.user) == ("fixed", "http://proxy.school.internal:3128", "")
    assert "Pw" not in repr(proxy.parse_choice("http://u:Pw1234@p:8080", "x"))
    with pytest.raises(proxy.ProxySetupProblem):
        proxy.parse_choice("pac:wpad.dat", "x")
    blob = bytes([0x46, 0, 0, 0, 5, 0, 0, 0, 0x09, 0, 0, 0])
    assert proxy.auto_detect_flag(blob) is True
    assert proxy.auto_detect_flag(blob[:8] + bytes([0x01]) + blob[9:]) is False
    assert proxy.first_proxy("SOCKS s:1; PROXY p.school:8080; DIRECT") == "http://p.school:8080"
    assert proxy.first_proxy("DIRECT") is None


@pytest.mark.parametrize("offered", [["Negotiate"], ['Basic realm="school"']])
def test_a_refused_tunnel_for_https_names_the_proxy_and_the_kind_of_login(offered) -> None:
    """For https the proxy refuses the CONNECT; httpx keeps no headers of that answer, so the proxy is
    asked once more to learn what kind of login it wants."""
    import asyncio

    import httpx

    from mis_wizard.vendors.errors import ProxyLoginNeeded, classify_exception
    from mis_wizard.wizard.http import build_client

    async def go(address: str) -> BaseException:
        async with build_client(retries=0) as client:
            with pytest.raises(httpx.HTTPError) as caught:
                await client.get(f"https://{SCHOOL_HOST}:8443/ws/v1/time")
        return caught.value

    with LoopbackProxy(("refuse", offered)) as lp:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv(proxy.PROXY_ENV, f"http://{lp.address}")
            mp.setenv(proxy.LOGIN_ENV, "off")
            exc = asyncio.run(go(lp.address))
    assert isinstance(exc, ProxyLoginNeeded)
    assert [m for m, _, _ in lp.seen] == ["CONNECT", "CONNECT"]
    failure = classify_exception(exc)
    kind = "Negotiate (Windows sign-in)" if offered == ["Negotiate"] else "Basic (user and password)"
    assert failure.message == (f"The proxy server {lp.address} asked for a login ({kind}) before letting the "
                               "wizard through.")
    assert "without a login" in failure.remedy


def test_a_proxy_setting_that_cannot_be_used_is_said_by_the_check(powerschool, tmp_path, capsys,
                                                                   monkeypatch) -> None:
    monkeypatch.setenv(proxy.PROXY_ENV, "socks5://proxy.school.internal:1080")
    code, report = run_check(powerschool, tmp_path, capsys)
    assert code == 1
    first = failures(report)[0]
    assert first["message"].startswith("The proxy setting from the MIS_WIZARD_PROXY environment variable is not "
                                       "one the wizard knows.")
    assert "system, direct, wpad, pac:URL or http://proxy-host:port" in first["remedy"]


def test_proxy_set_show_and_clear_keep_the_choice_for_later_runs(tmp_path, capsys, monkeypatch,
                                                                 memory_keyring) -> None:
    with LoopbackProxy() as lp, PacServer(pac_through(lp.address)) as pac:
        assert main(["proxy", "set", f"pac:{pac.url('/proxy.pac')}"]) == 0
        capsys.readouterr()
        assert main(["proxy", "show", "--url", f"https://{SCHOOL_HOST}/ws/v1/time", "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["mode"] == "pac" and shown["setting"].endswith("(from the saved network settings)")
        assert shown["route"] == {"route": f"through http://{lp.address}",
                                  "notes": [f"using the proxy auto-config file {pac.url('/proxy.pac')}"]}
        # the environment wins for one run
        monkeypatch.setenv(proxy.PROXY_ENV, "direct")
        assert main(["proxy", "show", "--url", f"https://{SCHOOL_HOST}/"]) == 0
        assert capsys.readouterr().out.splitlines() == [
            "Proxy setting: no proxy (from the MIS_WIZARD_PROXY environment variable).",
            f"https://{SCHOOL_HOST}/ goes direct."]
        monkeypatch.delenv(proxy.PROXY_ENV)
    monkeypatch.setenv("PW", PROXY_PASSWORD)
    assert main(["proxy", "set", "proxy.school.internal:3128", "--user", "SCHOOL\\wizard", "--password-env", "PW"]) == 0
    saved = json.loads(proxy.settings_path().read_text(encoding="utf-8"))
    assert saved["user"] == "SCHOOL\\wizard" and PROXY_PASSWORD not in json.dumps(saved)
    assert PROXY_PASSWORD in memory_keyring.store.values()
    assert proxy.load_choice().password == PROXY_PASSWORD
    assert main(["proxy", "set", "http://u:p@proxy.school.internal:3128"]) == 2  # no login in a kept address
    assert main(["proxy", "clear"]) == 0
    assert not proxy.settings_path().exists() and proxy.load_choice().mode == "system"
    assert PROXY_PASSWORD not in memory_keyring.store.values()


def test_requests_that_start_together_all_wait_for_the_pac_file() -> None:
    """Every key's check starts at once: none of them may go direct while the PAC file is still on its way."""
    import asyncio

    import httpx

    script = ('function FindProxyForURL(url, host) { return shExpMatch(host, "*.school.test") ? '
              '"PROXY 10.0.0.8:3128" : "DIRECT"; }')

    async def go(url: str) -> list[str | None]:
        resolver = proxy.ProxyResolver(proxy.ProxyChoice("pac", url))
        try:
            hosts = [f"https://k{i}.school.test/x" for i in range(6)] + ["https://elsewhere.example/"]
            return list(await asyncio.gather(*(resolver.proxy_for(httpx.URL(h)) for h in hosts)))
        finally:
            await resolver.aclose()

    with PacServer(script) as pac:
        routes = asyncio.run(go(pac.url("/proxy.pac")))
    assert routes == ["http://10.0.0.8:3128"] * 6 + [None]
    assert pac.fetched == ["/proxy.pac"]


@pytest.mark.parametrize("password", ["", "not-the-password"])
def test_an_ntlm_login_that_cannot_be_made_or_is_refused_is_said_plainly(powerschool, tmp_path, capsys,
                                                                          monkeypatch, password) -> None:
    users = tmp_path / "ntlm-users"
    users.write_text(f"SCHOOL:wizard:{PROXY_PASSWORD}\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(users if password else tmp_path / "no-such-file"))
    login = f"SCHOOL%5Cwizard:{password}" if password else "SCHOOL%5Cwizard"
    code, report, lp = check_via(powerschool, tmp_path, capsys, monkeypatch, ("ntlm",), f"{login}@")
    assert code == 1
    first = failures(report)[0]
    assert first["message"].startswith(f"The proxy server {lp.address} asked for a login (NTLM (Windows sign-in)) "
                                       "and did not accept the one the wizard gave (ntlm as SCHOOL\\wizard).")
    assert "Check the proxy user and password saved with `mis-wizard proxy set`" in first["remedy"]
