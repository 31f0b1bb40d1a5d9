"""One table from what went wrong to what kind of failure it is.

Config errors need the admin to change something; transient errors are retried; anything
else is our bug. Every message here is written for a school admin (Airbyte's error mapping,
with our own wording).
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx


class FailureKind(enum.StrEnum):
    CONFIG = "config"
    TRANSIENT = "transient"
    BUG = "bug"


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str
    remedy: str


REPLY_KIND = "mis_wizard.reply_kind"
"""An httpx request extension naming the kind of reply a request expects, so the one HTTP client
bounds its size and time by kind: ``"small"`` (a token, a probe), ``"data"`` (a page of records,
the default) or ``"bulk"`` (a whole data set in one reply: iSAMS Batch, LISS, TASS)."""
SMALL_REPLY = {REPLY_KIND: "small"}
BULK_REPLY = {REPLY_KIND: "bulk"}


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:g} MB"


class ReplyTooLarge(httpx.TransportError):
    """A reply (as received, after decompression) went past its ceiling; reading stopped there."""

    def __init__(self, limit: int, *, request: httpx.Request | None = None) -> None:
        super().__init__(f"reply larger than {limit} bytes", request=request)
        self.limit = limit


class ReplyTooSlow(httpx.TimeoutException):
    """A reply was not complete within its overall deadline (however steadily it trickled)."""

    def __init__(self, seconds: float, *, request: httpx.Request | None = None) -> None:
        super().__init__(f"reply not complete within {seconds:g} s", request=request)
        self.seconds = seconds


_LOGIN_NAMES = {
    "negotiate": "Negotiate (Windows sign-in)",
    "ntlm": "NTLM (Windows sign-in)",
    "basic": "Basic (user and password)",
}


class ProxyLoginNeeded(httpx.ProxyError):
    """A proxy answered 407 and no login the wizard could offer was accepted. Carries no login."""

    def __init__(self, proxy: str, schemes: list[str], *, tried: str = "", user: str = "",
                 windows: bool = False) -> None:
        super().__init__(f"407 from proxy {proxy}")
        self.proxy = proxy
        self.schemes = schemes
        self.tried = tried
        self.user = user
        self.windows = windows

    @property
    def kinds(self) -> str:
        return " or ".join(_LOGIN_NAMES.get(s, s) for s in self.schemes) or "a kind it did not name"


class ProxySetupProblem(httpx.ProxyError):
    """The proxy setting cannot be used as it stands (a PAC file chosen that cannot be read, a typo)."""

    def __init__(self, message: str, remedy: str) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy


class VendorError(Exception):
    """Raised by connectors when the system refuses; carries a stable code and a remedy."""

    def __init__(self, code: str, message: str, remedy: str = "", kind: FailureKind = FailureKind.CONFIG,
                 detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.remedy = remedy
        self.kind = kind
        self.detail = detail


STATUS_TABLE: dict[int, Failure] = {
    400: Failure(FailureKind.CONFIG, "The server refused the request as malformed.",
                 "Check the address and the values you copied; if they are right, send the support report."),
    401: Failure(FailureKind.CONFIG, "The server did not accept the credentials.",
                 "Copy the key or secret again from your system's admin screen."),
    403: Failure(FailureKind.CONFIG, "The credentials were accepted but are not allowed to do this.",
                 "Grant the missing permission in your system's admin screen."),
    404: Failure(FailureKind.CONFIG, "The server has no such address.",
                 "Check the server address: it should be the address of your system, not of a login page."),
    405: Failure(FailureKind.CONFIG, "The server does not accept this kind of request at that address.",
                 "Check the server address."),
    408: Failure(FailureKind.TRANSIENT, "The server took too long to read the request.", "Try again in a minute."),
    429: Failure(FailureKind.TRANSIENT, "The server asked us to slow down.", "Wait a few minutes and try again."),
    500: Failure(FailureKind.TRANSIENT, "The server had an internal error.",
                 "Try again later; if it keeps happening, ask your system's support."),
    502: Failure(FailureKind.TRANSIENT, "A gateway in front of the server failed.", "Try again in a few minutes."),
    503: Failure(FailureKind.TRANSIENT, "The server is unavailable.", "Try again in a few minutes."),
    504: Failure(FailureKind.TRANSIENT, "A gateway in front of the server timed out.", "Try again in a few minutes."),
}

RETRYABLE_STATUS = frozenset(s for s, f in STATUS_TABLE.items() if f.kind is FailureKind.TRANSIENT)


def classify_status(status: int) -> Failure:
    if status in STATUS_TABLE:
        return STATUS_TABLE[status]
    if 500 <= status < 600:
        return STATUS_TABLE[500]
    return Failure(FailureKind.BUG, f"The server answered with an unexpected status {status}.",
                   "Send the support report to the integrator.")


def reply_code(exc: BaseException) -> str | None:
    """The code suffix of a reply cut off by the HTTP client's bounds (``reply_too_large`` or
    ``reply_too_slow``), so each vendor's code names it rather than "unreachable"; else None."""
    if isinstance(exc, ReplyTooLarge):
        return "reply_too_large"
    if isinstance(exc, ReplyTooSlow):
        return "reply_too_slow"
    return None


def classify_exception(exc: BaseException) -> Failure:
    """Network and parse errors, in the order a connection fails."""
    if isinstance(exc, VendorError):
        return Failure(exc.kind, exc.message, exc.remedy)
    if isinstance(exc, ProxyLoginNeeded):
        return proxy_login_failure(exc)
    if isinstance(exc, ProxySetupProblem):
        return Failure(FailureKind.CONFIG, exc.message, exc.remedy)
    if isinstance(exc, ReplyTooLarge):
        return Failure(FailureKind.CONFIG,
                       f"The server kept sending more than {_megabytes(exc.limit)} for one reply; this is not the "
                       "school's API or it is misbehaving.",
                       "Check the server address is your system's own address; if it is, ask your system's "
                       "support to look at the server.")
    if isinstance(exc, ReplyTooSlow):
        return Failure(FailureKind.TRANSIENT,
                       f"The server took longer than {exc.seconds:g} seconds to send one reply, so the wizard "
                       "stopped waiting.",
                       "Try again later; if it keeps happening, check the network or the proxy, or ask your "
                       "system's support whether the server is overloaded.")
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if isinstance(exc.__cause__, ssl.SSLCertVerificationError) or "certificate" in text:
            return Failure(FailureKind.CONFIG, "The server's security certificate is not trusted by this computer.",
                           "If your network inspects secure traffic, install its root certificate in Windows; "
                           "otherwise check the address.")
        if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return Failure(FailureKind.CONFIG, "The server name could not be found.",
                           "Check the spelling of the address; try opening it in a browser on this computer.")
        return Failure(FailureKind.CONFIG, "The server could not be reached.",
                       "Check the address and that this computer can reach it (firewall, proxy, VPN).")
    if isinstance(exc, httpx.TimeoutException):
        return Failure(FailureKind.TRANSIENT, "The server did not answer in time.",
                       "Try again; if it keeps happening, check the network or the proxy.")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return Failure(FailureKind.TRANSIENT, "The connection was cut off part-way.", "Try again in a minute.")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return Failure(FailureKind.CONFIG, "The address is not a web address.",
                       "Start the address with https:// .")
    if isinstance(exc, ValueError | KeyError | TypeError):
        return Failure(FailureKind.BUG, "The server's answer could not be read.",
                       "Send the support report to the integrator.")
    return Failure(FailureKind.BUG, "Something unexpected went wrong in the wizard.",
                   "Send the support report to the integrator.")


# -- reach failures: one table for every system ------------------------------------------------
# A network exception during a check or a stream becomes (kind, headline, remedy, code suffix);
# each vendor prefixes the suffix with its system id. The rows are tried in order, so the
# specific distinctions come first; a vendor whose codes predate this table renames a suffix
# (``names``) instead of mapping exceptions itself.

ReachRule = Callable[[BaseException, Failure], bool]


def _untrusted(exc: BaseException) -> bool:
    return isinstance(exc, httpx.ConnectError) and (
        isinstance(exc.__cause__, ssl.SSLCertVerificationError) or "certificate" in str(exc).lower())


def _names_plain_http(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, httpx.UnsupportedProtocol) and ("http://" in text or "plain" in text)


REACH_TABLE: tuple[tuple[str, ReachRule], ...] = (
    ("reply_too_large", lambda exc, _f: isinstance(exc, ReplyTooLarge)),
    ("reply_too_slow", lambda exc, _f: isinstance(exc, ReplyTooSlow)),
    ("tls_untrusted", lambda exc, _f: _untrusted(exc)),
    ("timeout", lambda exc, _f: isinstance(exc, httpx.TimeoutException)),
    ("connection_dropped", lambda _exc, f: f.kind is FailureKind.TRANSIENT),
    ("unreachable", lambda exc, _f: isinstance(exc, httpx.ConnectError)),
    ("plain_http", lambda exc, _f: _names_plain_http(exc)),
    ("address_invalid", lambda exc, _f: isinstance(exc, httpx.UnsupportedProtocol)),
    ("unreachable", lambda _exc, f: f.kind is FailureKind.CONFIG),
    ("unexpected_answer", lambda _exc, _f: True),
)
"""(code suffix, when): the first row that holds names the failure."""
REACH_SUFFIXES = frozenset(suffix for suffix, _ in REACH_TABLE)


@dataclass(frozen=True)
class ReachFailure:
    kind: FailureKind
    headline: str
    remedy: str
    suffix: str
    """The shared table's suffix, before a vendor's renaming."""
    code: str
    """``<system>.<suffix or the vendor's name for it>``."""

    @property
    def what(self) -> str:
        """The code without its system prefix."""
        return self.code.split(".", 1)[1]

    @property
    def failure(self) -> Failure:
        return Failure(self.kind, self.headline, self.remedy)

    def error(self, detail: str = "", headline: str | None = None, remedy: str | None = None) -> VendorError:
        return VendorError(self.code, self.headline if headline is None else headline,
                           self.remedy if remedy is None else remedy, self.kind, detail)


def reach_failure(exc: BaseException, system: str, names: Mapping[str, str] | None = None) -> ReachFailure:
    """What a network (or parse) exception means, worded by ``classify_exception``, coded by
    REACH_TABLE and prefixed with ``system``; ``names`` renames suffixes a vendor's codes keep."""
    failure = classify_exception(exc)
    suffix = next(s for s, holds in REACH_TABLE if holds(exc, failure))
    own = (names or {}).get(suffix, suffix)
    return ReachFailure(failure.kind, failure.message, failure.remedy, suffix, f"{system}.{own}")


def proxy_login_failure(exc: ProxyLoginNeeded) -> Failure:
    """Which proxy asked for a login, what kind, what was tried, and what the admin can do."""
    if exc.tried:
        message = (f"The proxy server {exc.proxy} asked for a login ({exc.kinds}) and did not accept the "
                   f"one the wizard gave ({exc.tried}).")
    else:
        message = f"The proxy server {exc.proxy} asked for a login ({exc.kinds}) before letting the wizard through."
    windows_kind = any(s in ("negotiate", "ntlm") for s in exc.schemes)
    if exc.user:
        remedy = ("Check the proxy user and password saved with `mis-wizard proxy set` (run it again to change "
                  "them), or ask your network team to let this computer through without a login.")
    elif windows_kind and exc.windows:
        remedy = ("Ask your network team to allow this computer's address (or the school system's address) "
                  "through the proxy without a login, or to allow your Windows account; or save a proxy user "
                  "for the wizard with `mis-wizard proxy set http://PROXY:PORT --user NAME`.")
    else:
        remedy = ("Ask your network team to allow this computer's address (or the school system's address) "
                  "through the proxy without a login, or save a proxy user for the wizard with "
                  "`mis-wizard proxy set http://PROXY:PORT --user NAME` (the password is kept in the "
                  "credential store).")
    return Failure(FailureKind.CONFIG, message, remedy)
