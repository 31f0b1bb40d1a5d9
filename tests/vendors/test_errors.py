"""vendors.errors: every status and exception a connection can end in has its kind, its words for
the admin and its reach code; real httpx exceptions, some from real failed connections."""

from __future__ import annotations

import socket
import ssl

import httpx
import pytest

from mis_wizard.vendors import errors
from mis_wizard.vendors.errors import (
    FailureKind,
    ProxyLoginNeeded,
    ProxySetupProblem,
    ReplyTooLarge,
    ReplyTooSlow,
    VendorError,
    classify_exception,
    classify_status,
    reach_failure,
    reply_code,
)

REQUEST = httpx.Request("GET", "https://sis.school.test/api")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_statuses_in_the_table_other_server_errors_and_the_rest() -> None:
    assert classify_status(401).kind is FailureKind.CONFIG and "credentials" in classify_status(401).message
    assert classify_status(503).kind is FailureKind.TRANSIENT
    assert classify_status(599) == errors.STATUS_TABLE[500]
    odd = classify_status(418)
    assert odd.kind is FailureKind.BUG and "418" in odd.message
    assert 429 in errors.RETRYABLE_STATUS and 401 not in errors.RETRYABLE_STATUS


def test_a_reply_cut_off_by_its_bounds_names_itself() -> None:
    large, slow = ReplyTooLarge(5_000_000, request=REQUEST), ReplyTooSlow(2.5, request=REQUEST)
    assert (large.limit, slow.seconds) == (5_000_000, 2.5)
    assert reply_code(large) == "reply_too_large" and reply_code(slow) == "reply_too_slow"
    assert reply_code(httpx.ReadError("x")) is None
    assert "5 MB" in classify_exception(large).message and classify_exception(large).kind is FailureKind.CONFIG
    said = classify_exception(slow)
    assert said.kind is FailureKind.TRANSIENT and "2.5 seconds" in said.message
    assert reach_failure(large, "tass").code == "tass.reply_too_large"
    assert reach_failure(slow, "tass").code == "tass.reply_too_slow"


def test_a_refused_connection_is_unreachable() -> None:
    with httpx.Client() as client, pytest.raises(httpx.ConnectError) as refused:
        client.get(f"http://127.0.0.1:{closed_port()}/")
    said = reach_failure(refused.value, "aeries")
    assert said.code == "aeries.unreachable" and said.kind is FailureKind.CONFIG
    assert said.headline == "The server could not be reached." and "firewall" in said.remedy


def test_an_untrusted_certificate_and_an_unknown_name() -> None:
    by_cause = httpx.ConnectError("handshake failed")
    by_cause.__cause__ = ssl.SSLCertVerificationError("self signed")
    by_text = httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    for exc in (by_cause, by_text):
        said = reach_failure(exc, "isams")
        assert said.code == "isams.tls_untrusted" and "root certificate" in said.remedy
    for text in ("[Errno -2] Name or service not known", "nodename nor servname provided", "getaddrinfo failed"):
        assert classify_exception(httpx.ConnectError(text)).message == "The server name could not be found."


def test_timeouts_dropped_connections_and_addresses_that_are_not_web_addresses() -> None:
    timeout = reach_failure(httpx.ReadTimeout("slow", request=REQUEST), "qmlativ")
    assert timeout.code == "qmlativ.timeout" and timeout.kind is FailureKind.TRANSIENT
    for cut in (httpx.RemoteProtocolError("peer closed"), httpx.ReadError("reset"), httpx.WriteError("broken")):
        said = reach_failure(cut, "integris")
        assert said.code == "integris.connection_dropped" and said.headline == "The connection was cut off part-way."
    with httpx.Client() as client, pytest.raises(httpx.UnsupportedProtocol) as scheme:
        client.get("ftp://sis.school.test/")
    assert reach_failure(scheme.value, "liss").code == "liss.address_invalid"
    plain = httpx.UnsupportedProtocol("plain http:// is refused for this address")
    assert reach_failure(plain, "liss").code == "liss.plain_http"
    assert classify_exception(plain).remedy == "Start the address with https:// ."


def test_what_connectors_raise_and_what_nobody_expected() -> None:
    refused = VendorError("tass.token_wrong", "The token was refused.", "Copy it again.", detail="HTTP 401")
    assert classify_exception(refused) == errors.Failure(FailureKind.CONFIG, "The token was refused.", "Copy it again.")
    assert reach_failure(refused, "tass").code == "tass.unreachable", "a config failure with no network cause"
    setup = ProxySetupProblem("The PAC file could not be read.", "Choose the PAC file again.")
    assert (classify_exception(setup).message, classify_exception(setup).remedy) == (setup.message, setup.remedy)
    for bad in (ValueError("no json"), KeyError("students"), TypeError("None")):
        said = reach_failure(bad, "oneroster")
        assert said.code == "oneroster.unexpected_answer" and said.headline == "The server's answer could not be read."
    assert classify_exception(RuntimeError("bug")).message == "Something unexpected went wrong in the wizard."


def test_a_reach_failure_renamed_by_a_vendor_and_raised_as_its_error() -> None:
    said = reach_failure(httpx.ConnectTimeout("slow", request=REQUEST), "tass", names={"timeout": "slow_server"})
    assert said.suffix == "timeout" and said.code == "tass.slow_server" and said.what == "slow_server"
    assert said.failure == errors.Failure(said.kind, said.headline, said.remedy)
    raised = said.error("after 30 s")
    assert (raised.code, raised.message, raised.remedy, raised.kind, raised.detail) == (
        "tass.slow_server", said.headline, said.remedy, FailureKind.TRANSIENT, "after 30 s")
    worded = said.error(headline="TASS did not answer.", remedy="Try at night.")
    assert (worded.message, worded.remedy) == ("TASS did not answer.", "Try at night.")


def test_a_proxy_login_says_which_proxy_what_kind_and_what_to_do() -> None:
    first = ProxyLoginNeeded("proxy.school:3128", ["negotiate", "basic"], windows=True)
    said = classify_exception(first)
    assert said.kind is FailureKind.CONFIG
    assert said.message == ("The proxy server proxy.school:3128 asked for a login (Negotiate (Windows sign-in) or "
                            "Basic (user and password)) before letting the wizard through.")
    assert "allow your Windows account" in said.remedy
    tried = errors.proxy_login_failure(ProxyLoginNeeded("p:8080", ["basic"], tried="Basic", user="itadmin"))
    assert "did not accept the one the wizard gave (Basic)" in tried.message
    assert "Check the proxy user and password" in tried.remedy
    not_windows = errors.proxy_login_failure(ProxyLoginNeeded("p:8080", ["ntlm"], windows=False))
    assert "credential store" in not_windows.remedy and "Windows account" not in not_windows.remedy
    assert ProxyLoginNeeded("p:8080", []).kinds == "a kind it did not name"
    assert ProxyLoginNeeded("p:8080", ["digest"]).kinds == "digest"
    assert "itadmin" not in repr(ProxyLoginNeeded("p:8080", ["basic"], user="itadmin").args)
