"""How the one HTTP client finds the school's proxy, and logs in to it, as Windows does.

The choice comes from ``MIS_WIZARD_PROXY`` (for one run), else the saved network settings
(``mis-wizard proxy set``), else the system:

- ``system`` (the default): the ``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY`` environment; else on
  Windows the Internet Settings in the order Windows uses them: "Automatically detect settings"
  (WPAD: ``http://wpad/wpad.dat``), then "Use setup script" (the PAC file's address), then the
  static proxy and its exceptions. A PAC or WPAD file that cannot be read is passed over, as
  Windows does, and the report says so.
- ``direct``: no proxy. ``wpad``: WPAD only. ``pac:URL``: that proxy auto-config file.
- ``http://host:port``: that proxy for everything; a login for it is kept in the credential store.

A PAC file is fetched at most once per run per address, bounded as a ``small`` reply, and
evaluated by pypac (dukpy) in a thread of its own that is given up on after a few seconds.

A proxy that answers 407 is asked again with a login when one is at hand: the login saved
with the proxy setting (Basic, or NTLM/Negotiate through pyspnego), or on Windows the signed-in
user's own (NTLM/Negotiate through SSPI, as a browser does). The CONNECT and its login legs are
sent on one connection (NTLM needs that), by the network backend below. Otherwise the request
ends as ``ProxyLoginNeeded``, which says which proxy asked, for what kind of login, and what to do.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from mis_wizard.vendors.errors import ProxyLoginNeeded, ProxySetupProblem
from mis_wizard.wizard.connections import StreamTransport

log = logging.getLogger(__name__)
PROXY_ENV = "MIS_WIZARD_PROXY"
LOGIN_ENV = "MIS_WIZARD_PROXY_LOGIN"
"""``windows`` (the default): on Windows, answer an NTLM/Negotiate proxy with the signed-in user's login;
``off``: never."""
SETTINGS_FILE = "network.json"
WPAD_URL = "http://wpad/wpad.dat"
PAC_EVAL_SECONDS = 5.0
PAC_START_SECONDS = 10.0
"""The first answer includes starting the worker process (the frozen program takes a second or two)."""
WPAD_SECONDS = 8.0
MAX_LOGIN_LEGS = 4
MAX_HEAD_BYTES = 64_000
LOGIN_SCHEMES = ("negotiate", "ntlm", "basic")


@dataclass(frozen=True)
class ProxyChoice:
    """What the admin chose (or the default): ``mode`` is system, direct, wpad, pac or fixed."""

    mode: str = "system"
    address: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    windows_login: bool = True
    source: str = "default"

    def describe(self) -> str:
        where = {"system": "this computer's proxy settings", "direct": "no proxy",
                 "wpad": "automatic detection (WPAD)", "pac": f"the proxy auto-config file {self.address}",
                 "fixed": f"the proxy {self.address}"}[self.mode]
        login = f", login as {self.user}" if self.user else ""
        return f"{where}{login} ({'the default' if self.source == 'default' else 'from ' + self.source})"


def parse_choice(text: str, source: str) -> ProxyChoice:
    """``system``, ``direct``, ``wpad``, ``pac:URL`` or a proxy's ``http://[user:password@]host:port``."""
    from mis_wizard.wizard import redact

    value = text.strip()
    word = value.lower()
    if word in ("", "system", "auto"):
        return ProxyChoice("system", source=source)
    if word in ("direct", "none", "off"):
        return ProxyChoice("direct", source=source)
    if word == "wpad":
        return ProxyChoice("wpad", source=source)
    if word.startswith("pac:"):
        address = value[4:].strip()
        if not address.lower().startswith(("http://", "https://", "file:")):
            raise ProxySetupProblem(f"The proxy auto-config address {address!r} (from {source}) is not a web "
                                    "address.", "Give it as pac:http://server/proxy.pac .")
        return ProxyChoice("pac", address, source=source)
    parts = urllib.parse.urlsplit(value if "://" in value else f"http://{value}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ProxySetupProblem(f"The proxy setting from {source} is not one the wizard knows.",
                                "Use system, direct, wpad, pac:URL or http://proxy-host:port .")
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password or "")
    redact.register(password)
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    address = f"{parts.scheme}://{host}:{parts.port or (443 if parts.scheme == 'https' else 8080)}"
    return ProxyChoice("fixed", address, user, password, source=source)


def settings_path() -> Any:
    from mis_wizard.wizard import paths

    return paths.data_dir() / SETTINGS_FILE


def load_choice() -> ProxyChoice:
    """The environment for this run, else the saved settings, else the system's proxy."""
    windows_login = os.environ.get(LOGIN_ENV, "windows").strip().lower() not in ("off", "no", "0", "false")
    text = os.environ.get(PROXY_ENV, "").strip()
    if text:
        choice = parse_choice(text, f"the {PROXY_ENV} environment variable")
        return ProxyChoice(choice.mode, choice.address, choice.user, choice.password, windows_login, choice.source)
    path = settings_path()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ProxyChoice(windows_login=windows_login)
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable network settings %s: %s", path, type(exc).__name__)
        return ProxyChoice(windows_login=windows_login, source="default; the saved network settings are unreadable")
    if not isinstance(saved, dict):
        return ProxyChoice(windows_login=windows_login)
    choice = parse_choice(str(saved.get("proxy", "")), "the saved network settings")
    password = ""
    if saved.get("user") and isinstance(saved.get("password"), dict):
        from mis_wizard.wizard.secret_store import SecretStore

        password = SecretStore().get(saved["password"])
    windows_login = windows_login and saved.get("windows_login", True) is not False
    return ProxyChoice(choice.mode, choice.address, str(saved.get("user") or ""), password, windows_login,
                       choice.source)


def save_choice(text: str, user: str = "", password: str = "", windows_login: bool = True) -> ProxyChoice:
    """Keep a proxy setting for every later run (the scheduled sync too); the password in the credential store."""
    from mis_wizard.wizard.atomic import make_private, write_bytes
    from mis_wizard.wizard.secret_store import SecretStore

    choice = parse_choice(text, "the saved network settings")
    if choice.user or choice.password:
        raise ProxySetupProblem("A proxy setting to keep must not hold a login in its address.",
                                "Give the user with --user; the password is asked for and kept in Windows "
                                "Credential Manager.")
    forget_saved_login()
    data: dict[str, Any] = {"proxy": text.strip(), "windows_login": windows_login}
    if user:
        data["user"] = user
        data["password"] = SecretStore().put("network", "proxy-password", password)
    write_bytes(settings_path(), (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    make_private(settings_path())
    return load_choice()


def forget_saved_login() -> None:
    """Delete the saved proxy password from the credential store (before the settings go or change)."""
    from mis_wizard.wizard.secret_store import SecretStore, is_ref

    try:
        saved = json.loads(settings_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(saved, dict) and is_ref(saved.get("password")):
        SecretStore().delete(saved["password"])


# where Windows keeps the proxy settings ---------------------------------------------------------

_INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"


def windows_settings() -> dict[str, Any]:
    """Internet Settings as Windows uses them: auto-detect (WPAD), the PAC address, the static proxy."""
    found: dict[str, Any] = {"auto_detect": False, "pac_url": ""}
    if sys.platform == "win32":  # a block mypy checks when it checks for Windows (winreg exists only there)
        try:
            from pypac.os_settings import autoconfig_url_from_registry

            found["pac_url"] = autoconfig_url_from_registry() or ""
        except Exception as exc:  # a registry we cannot read: Windows' static proxy is still read by urllib
            log.warning("cannot read the proxy auto-config address: %s", type(exc).__name__)
        try:
            import winreg

            with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _INTERNET_SETTINGS + r"\Connections") as key:
                blob, _ = winreg.QueryValueEx(key, "DefaultConnectionSettings")
            found["auto_detect"] = auto_detect_flag(bytes(blob))
        except OSError:
            pass
    return found


def auto_detect_flag(blob: bytes) -> bool:
    """"Automatically detect settings" in a DefaultConnectionSettings value: bit 8 of the flags at byte 8."""
    return len(blob) > 8 and bool(blob[8] & 0x08)


# proxy auto-config ------------------------------------------------------------------------------

_pac_cache: dict[str, tuple[str | None, str]] = {}
"""Per run (process): a PAC or WPAD address is fetched once, whichever client asks first."""


async def fetch_pac(url: str, seconds: float | None = None) -> tuple[str | None, str]:
    """(the PAC script, "") or (None, why not in plain words), once per address per run."""
    if url in _pac_cache:
        return _pac_cache[url]
    result = await _fetch_pac(url, seconds)
    _pac_cache[url] = result
    if result[1]:
        log.warning("proxy auto-config %s not used: %s", url, result[1])
    return result


def forget_pac_files() -> None:
    """For a new run in the same process (tests): fetch PAC files again."""
    _pac_cache.clear()


async def _fetch_pac(url: str, seconds: float | None) -> tuple[str | None, str]:
    from mis_wizard.vendors.errors import SMALL_REPLY, ReplyTooLarge, ReplyTooSlow
    from mis_wizard.wizard import http as app_http

    small = app_http.reply_limits()["small"]
    if seconds is not None:
        small = app_http.ReplyLimit(small.max_bytes, seconds)
    if url.lower().startswith("file:"):
        path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
        try:
            with open(path, "rb") as f:
                body = f.read(small.max_bytes + 1)
        except OSError as exc:
            return None, f"the file {path} could not be opened ({exc.strerror or 'unreadable'})"
        if len(body) > small.max_bytes:
            return None, f"the file is larger than {small.max_bytes // 1_000_000} MB, which no PAC file is"
    else:
        inner = httpx.AsyncHTTPTransport(verify=app_http.ssl_context())
        transport = app_http.GuardedTransport(inner, allow_plain_http=True, retries=1, backoff=0.2,
                                              limits={"small": small})
        timeout = httpx.Timeout(min(10.0, small.seconds), connect=min(5.0, small.seconds))
        try:
            async with httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False) as client:
                reply = await client.get(url, extensions=dict(SMALL_REPLY))
        except ReplyTooLarge:
            return None, f"it kept sending past {small.max_bytes // 1_000_000} MB, which no PAC file is"
        except (ReplyTooSlow, httpx.TimeoutException):
            return None, f"it did not arrive within {small.seconds:g} seconds"
        except httpx.HTTPError:
            return None, "its server could not be reached"
        if reply.status_code != 200:
            return None, f"its server answered with status {reply.status_code}"
        body = reply.content
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    if "FindProxyForURL" not in text:
        return None, "it is not a proxy auto-config file (it has no FindProxyForURL)"
    return text, ""


class PacScript:
    """A PAC script asked in a worker process of its own (``pac_worker``): dukpy cannot be interrupted,
    so a script that takes longer than ``PAC_EVAL_SECONDS`` for an answer is ended with its process."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._proc: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    @staticmethod
    def command() -> list[str]:
        if getattr(sys, "frozen", False):
            from mis_wizard.wizard.sync.schedule import program

            return [*program(), "--pac-worker"]
        return [sys.executable, "-m", "mis_wizard.wizard.pac_worker"]

    async def start(self) -> str:
        """"" when the script is ready to ask, else why not in plain words."""
        flags = {"creationflags": 0x08000000} if sys.platform == "win32" else {}  # CREATE_NO_WINDOW
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command(), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL, limit=MAX_HEAD_BYTES, **flags)  # type: ignore[arg-type]
        except OSError:
            return "the program that reads it could not be started"
        try:
            reply = await self._exchange({"script": self.text}, PAC_START_SECONDS)
        except TimeoutError:
            return f"its script did not finish within {PAC_START_SECONDS:g} seconds"
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return "its script could not be run"
        return "" if reply.get("ready") else str(reply.get("error") or "its script has an error")

    async def _exchange(self, message: dict[str, str], seconds: float) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            async with asyncio.timeout(seconds):
                proc.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
                await proc.stdin.drain()
                line = await proc.stdout.readline()
        except BaseException:
            await self.aclose()
            raise
        if not line:
            await self.aclose()
            raise ValueError("the PAC worker ended")
        reply = json.loads(line)
        if not isinstance(reply, dict):
            raise ValueError("not an answer")
        return reply

    async def ask(self, url: str, host: str) -> str:
        """The FindProxyForURL answer; raises ProxySetupProblem-worthy TimeoutError/ValueError."""
        async with self._lock:
            if self._proc is None:
                raise ValueError("the PAC worker is not running")
            reply = await self._exchange({"url": url, "host": host}, PAC_EVAL_SECONDS)
        if "answer" not in reply:
            raise ValueError(str(reply.get("error") or "no answer"))
        return str(reply["answer"])

    async def aclose(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 1.0)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def first_proxy(answer: str) -> str | None:
    """The first usable entry of a FindProxyForURL answer: a proxy's URL, or None for DIRECT.
    SOCKS entries are passed over (the client speaks HTTP proxies); nothing usable means direct."""
    import warnings

    from pypac.parser import parse_pac_value

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        entries: list[str] = parse_pac_value(answer or "DIRECT")  # pypac has no type hints
    for entry in entries:
        if entry == "DIRECT":
            return None
        if entry.startswith(("http://", "https://")):
            return entry
    return None


# choosing a route per host ------------------------------------------------------------------------

class ProxyResolver:
    """Where each request goes, from the choice; one per client. ``report()`` says what was used."""

    def __init__(self, choice: ProxyChoice | None = None) -> None:
        self.problem: ProxySetupProblem | None = None
        if choice is None:
            try:
                choice = load_choice()
            except ProxySetupProblem as exc:  # said by the first request that needs the proxy, not here
                self.problem, choice = exc, ProxyChoice("direct", source="a setting that cannot be used")
        self.choice = choice
        self._pac: PacScript | None = None
        self._pac_url = ""
        self._found = False
        self._finding = asyncio.Lock()
        self.notes: list[str] = []
        self.routes: dict[str, str] = {}
        self.logins: dict[str, str] = {}

    async def _find_pac(self) -> None:
        """The PAC file (WPAD or the configured address), found once per client: the checks of every
        key start at once, and each waits here for the one search rather than going direct meanwhile."""
        async with self._finding:
            if not self._found:
                await self._search_pac()
                self._found = True

    async def _search_pac(self) -> None:
        mode = self.choice.mode
        candidates: list[tuple[str, str]] = []
        if mode == "pac":
            candidates.append((self.choice.address, "proxy auto-config file"))
        elif mode == "wpad":
            candidates.append((WPAD_URL, "automatically detected (WPAD) proxy file"))
        elif mode == "system" and not _env_proxies():
            settings = windows_settings()
            if settings["auto_detect"]:
                candidates.append((WPAD_URL, "automatically detected (WPAD) proxy file"))
            if settings["pac_url"]:
                candidates.append((settings["pac_url"], "proxy auto-config file"))
        for url, what in candidates:
            text, problem = await fetch_pac(url, WPAD_SECONDS if url == WPAD_URL else None)
            if text is not None:
                pac = PacScript(text)
                problem = await pac.start()
                if not problem:
                    self._pac, self._pac_url = pac, url
                    self.notes.append(f"using the {what} {url}")
                    return
                _pac_cache[url] = (None, problem)
            self.notes.append(f"the {what} {url} was not used: {problem}")
            if mode == "pac":
                raise ProxySetupProblem(
                    f"The proxy auto-config file {url} (from {self.choice.source}) could not be used: {problem}.",
                    "Check the address with your network team, or choose another proxy setting "
                    "(mis-wizard proxy set system|direct|http://proxy-host:port).")

    async def aclose(self) -> None:
        if self._pac is not None:
            await self._pac.aclose()

    async def proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy URL for this request, or None for direct. Loopback is always direct."""
        from mis_wizard.wizard.http import is_loopback

        if is_loopback(url.host):
            self.routes[url.host] = "direct"
            return None
        if self.problem is not None:
            raise self.problem
        mode = self.choice.mode
        proxy: str | None = None
        if mode == "fixed":
            bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]  # NO_PROXY
            proxy = None if bypass(url.host) else self.choice.address
        elif mode in ("pac", "wpad", "system"):
            await self._find_pac()
            if self._pac is not None:
                try:
                    answer = await self._pac.ask(str(url), url.host)
                except (TimeoutError, ValueError, OSError):
                    self.notes.append(f"the proxy auto-config file {self._pac_url} gave no answer for {url.host} "
                                      f"within {PAC_EVAL_SECONDS:g} seconds; went direct")
                    broken, self._pac = self._pac, None
                    await broken.aclose()
                    answer = "DIRECT"
                proxy = first_proxy(answer)
            elif mode == "system":
                found = urllib.request.getproxies().get(url.scheme)
                proxy = None if not found or urllib.request.proxy_bypass(url.host) else found
        self.routes[url.host] = _without_login(proxy) if proxy else "direct"
        return proxy

    def report(self) -> dict[str, Any]:
        """For the check report: the setting, what was found, and each host's route and proxy login."""
        return {"setting": self.choice.describe(), "mode": self.choice.mode, "notes": list(self.notes),
                "pac": self._pac_url or None, "routes": dict(self.routes), "logins": dict(self.logins)}


def _env_proxies() -> dict[str, str]:
    return urllib.request.getproxies_environment()


def _without_login(proxy: str) -> str:
    parts = urllib.parse.urlsplit(proxy)
    return f"{parts.scheme}://{parts.hostname}:{parts.port}" if parts.port else f"{parts.scheme}://{parts.hostname}"


def report_for(client: httpx.AsyncClient) -> dict[str, Any] | None:
    """The proxy report of a client made by ``http.build_client``, or None for another client."""
    transport: Any = client._transport
    for _ in range(4):
        resolver = getattr(transport, "resolver", None)
        if isinstance(resolver, ProxyResolver):
            return resolver.report()
        transport = getattr(transport, "inner", None)
    return None


# logging in to a proxy ------------------------------------------------------------------------

def offered(headers: Iterable[tuple[bytes, bytes]] | httpx.Headers) -> dict[str, str]:
    """The login schemes a 407 offers (lower-case name → its challenge text)."""
    pairs = headers.multi_items() if isinstance(headers, httpx.Headers) else \
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
    found: dict[str, str] = {}
    for name, value in pairs:
        if name.lower() != "proxy-authenticate":
            continue
        for piece in value.split(","):
            words = piece.strip().split(None, 1)
            if words and words[0].isalpha():
                found.setdefault(words[0].lower(), words[1].strip() if len(words) > 1 else "")
    return found


class LoginTunnel(httpcore.AsyncNetworkBackend):
    """Connects to the target through the proxy with CONNECT, answering the proxy's NTLM or
    Negotiate challenges on that same connection; TLS to the target then runs inside the tunnel."""

    def __init__(self, proxy: httpx.URL, scheme: str, make_context: Callable[[], Any]) -> None:
        self.proxy = proxy
        self.scheme = scheme
        self.make_context = make_context
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        proxy_port = self.proxy.port or (443 if self.proxy.scheme == "https" else 80)
        stream = await self._inner.connect_tcp(self.proxy.host, proxy_port, timeout, local_address, socket_options)
        try:
            context, token = self._first_leg()
            for _ in range(MAX_LOGIN_LEGS):
                target = f"{host}:{port}"
                head = (f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n"
                        f"Proxy-Authorization: {self.scheme.title()} {base64.b64encode(token).decode()}\r\n"
                        "Proxy-Connection: keep-alive\r\n\r\n")
                await stream.write(head.encode("latin-1"), timeout)
                status, headers, rest = await read_head(stream, timeout)
                if 200 <= status < 300:
                    if rest:
                        raise httpcore.ProxyError("the proxy sent data before the tunnel opened")
                    return stream
                if status != 407:
                    raise httpcore.ProxyError(f"{status} from the proxy")
                await drain(stream, headers, rest, timeout)
                challenge = offered(headers).get(self.scheme, "")
                if not challenge or getattr(context, "complete", False):
                    break
                try:
                    token = context.step(base64.b64decode(challenge))
                except Exception:  # a challenge the login library cannot answer (or a bad one): refused
                    break
                if not token:
                    break
            raise _LoginRefused(offered(headers))
        except BaseException:
            await stream.aclose()
            raise

    def _first_leg(self) -> tuple[Any, bytes]:
        """The login context and its first token. A login Windows (or pyspnego) cannot make at all, such
        as a saved user without a password, ends as a refused login rather than an unexpected error."""
        try:
            context = self.make_context()
            return context, context.step()
        except Exception:
            log.warning("could not make a %s login for the proxy %s", self.scheme, self.proxy.host)
            raise _LoginRefused({self.scheme: ""}) from None

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _LoginRefused(httpcore.ProxyError):
    def __init__(self, schemes: dict[str, str]) -> None:
        super().__init__("407 Proxy Authentication Required")
        self.schemes = schemes


async def read_head(
    stream: httpcore.AsyncNetworkStream, timeout: float | None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """A proxy's status line and headers (bounded), and whatever came after them."""
    data = b""
    while b"\r\n\r\n" not in data:
        if len(data) > MAX_HEAD_BYTES:
            raise httpcore.ProxyError("the proxy's answer is too long")
        chunk = await stream.read(16_384, timeout)
        if not chunk:
            raise httpcore.ProxyError("the proxy closed the connection")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        raise httpcore.ProxyError("the proxy's answer is not HTTP") from None
    headers = [(k.strip(), v.strip()) for k, _, v in (line.partition(b":") for line in lines[1:])]
    return status, headers, rest


async def drain(stream: httpcore.AsyncNetworkStream, headers: list[tuple[bytes, bytes]], rest: bytes,
                timeout: float | None) -> None:
    """Read a 407's body (by its Content-Length, bounded) so the next leg starts clean."""
    length = next((int(v) for k, v in headers if k.lower() == b"content-length" and v.isdigit()), 0)
    if length > MAX_HEAD_BYTES:
        raise httpcore.ProxyError("the proxy's answer is too long")
    while len(rest) < length:
        chunk = await stream.read(length - len(rest), timeout)
        if not chunk:
            raise httpcore.ProxyError("the proxy closed the connection")
        rest += chunk


def spnego_context(proxy: httpx.URL, scheme: str, user: str = "", password: str = "") -> Callable[[], Any]:
    """A factory of pyspnego client contexts for the proxy: with the saved login, or with none, which on
    Windows (SSPI) is the signed-in user's own."""
    import spnego

    protocol = "ntlm" if scheme == "ntlm" else "negotiate"

    def make() -> Any:
        return spnego.client(user or None, password or None, hostname=proxy.host or "unspecified",
                             service="HTTP", protocol=protocol)

    return make


class ProxyTransport(httpx.AsyncBaseTransport):
    """One proxy: tried without a login; on a 407, once more with the login that fits what the proxy
    offers (kept for the client's later requests), or ended with ``ProxyLoginNeeded``."""

    def __init__(self, proxy: str, choice: ProxyChoice, make: Callable[..., httpx.AsyncBaseTransport],
                 logins: dict[str, str] | None = None) -> None:
        self.url = httpx.URL(proxy)
        self.choice = choice
        self._make = make
        self.plain = make(proxy=httpx.Proxy(self.url))
        self.login: httpx.AsyncBaseTransport | None = None
        self.login_kind = ""
        self.logins = {} if logins is None else logins

    @property
    def where(self) -> str:
        return f"{self.url.host}:{self.url.port}" if self.url.port else str(self.url.host)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.login is not None:
            return await self._with_login(request)
        try:
            response = await self.plain.handle_async_request(request)
        except httpx.ProxyError as exc:
            if not str(exc).startswith("407"):
                raise
            schemes = await probe_schemes(self.url, request.url)
        else:
            if response.status_code != 407:
                return response
            await response.aread()
            schemes = offered(response.headers)
            await response.aclose()
        self.login, self.login_kind = self._login_for(schemes)
        if self.login is None:
            raise self._needed(schemes, tried="")
        return await self._with_login(request)

    async def _with_login(self, request: httpx.Request) -> httpx.Response:
        assert self.login is not None
        try:
            response = await self.login.handle_async_request(request)
        except httpx.ProxyError as exc:
            cause = exc.__cause__ or exc.__context__
            schemes = cause.schemes if isinstance(cause, _LoginRefused) else {}
            if not str(exc).startswith("407") and not schemes:
                raise
            raise self._needed(schemes or {self.login_kind.split()[0]: ""}, tried=self.login_kind) from None
        if response.status_code == 407:
            await response.aread()
            schemes = offered(response.headers)
            await response.aclose()
            raise self._needed(schemes, tried=self.login_kind)
        self.logins[self.where] = self.login_kind
        return response

    def _login_for(self, schemes: dict[str, str]) -> tuple[httpx.AsyncBaseTransport | None, str]:
        user, password = self.choice.user, self.choice.password
        windows = sys.platform == "win32" and self.choice.windows_login
        for scheme in ("negotiate", "ntlm"):
            if scheme in schemes and (user or windows) and _spnego_available():
                kind = f"{scheme} as {user}" if user else f"{scheme} as the signed-in Windows user"
                tunnel = LoginTunnel(self.url, scheme, spnego_context(self.url, scheme, user, password))
                return self._make(network_backend=tunnel), kind
        if "basic" in schemes and user:
            return self._make(proxy=httpx.Proxy(self.url, auth=(user, password))), f"basic as {user}"
        return None, ""

    def _needed(self, schemes: dict[str, str], tried: str) -> ProxyLoginNeeded:
        names = [s for s in LOGIN_SCHEMES if s in schemes] or sorted(schemes)
        return ProxyLoginNeeded(self.where, names, tried=tried, user=self.choice.user,
                                windows=sys.platform == "win32")

    async def aclose(self) -> None:
        for t in (self.plain, self.login):
            if t is not None:
                await t.aclose()


def _spnego_available() -> bool:
    try:
        import spnego  # noqa: F401
    except ImportError:
        return False
    return True


async def probe_schemes(proxy: httpx.URL, target: httpx.URL, seconds: float = 10.0) -> dict[str, str]:
    """Ask the proxy once for a tunnel without a login, to read what its 407 offers (httpx does not
    keep the headers of a refused CONNECT)."""
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        async with asyncio.timeout(seconds):
            backend = httpcore.AnyIOBackend()
            stream = await backend.connect_tcp(proxy.host, proxy.port or 80, seconds)
            try:
                where = f"{target.host}:{port}"
                await stream.write(f"CONNECT {where} HTTP/1.1\r\nHost: {where}\r\n\r\n".encode("latin-1"))
                status, headers, _ = await read_head(stream, seconds)
            finally:
                await stream.aclose()
    except (TimeoutError, httpcore.ProxyError, OSError, httpcore.NetworkError, httpcore.TimeoutException):
        return {}
    return offered(headers) if status == 407 else {}


def transport_maker(verify: Any, limits: httpx.Limits) -> Callable[..., httpx.AsyncBaseTransport]:
    """Transports that share the client's trust and pool size: direct (``wizard.connections``), through
    ``proxy`` (httpx's own proxy support) or over a ``network_backend`` (the login tunnel)."""

    def make(proxy: httpx.Proxy | None = None, network_backend: httpcore.AsyncNetworkBackend | None = None
             ) -> httpx.AsyncBaseTransport:
        if proxy is None and network_backend is None:
            return StreamTransport(verify, max_connections=limits.max_connections or 16,
                                   keepalive_expiry=limits.keepalive_expiry or 5.0)
        transport = httpx.AsyncHTTPTransport(verify=verify, limits=limits, proxy=proxy)
        if network_backend is not None:
            # httpx has no public way to pass a network backend; its pool is the documented httpcore one.
            transport._pool = httpcore.AsyncConnectionPool(
                ssl_context=verify, max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry, network_backend=network_backend)
        return transport

    return make


def describe_for_admin(report: dict[str, Any] | None) -> str:
    """One line for the check's printed report."""
    if not report:
        return ""
    used = sorted(set(report["routes"].values()))
    parts = [f"proxy setting: {report['setting']}"]
    if used:
        parts.append("went " + ", ".join("direct" if r == "direct" else f"through {r}" for r in used))
    parts += [f"login to {p}: {k}" for p, k in report["logins"].items()]
    parts += report["notes"]
    return "Network: " + "; ".join(parts)
