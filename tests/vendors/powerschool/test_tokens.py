"""A PowerSchool token is held in memory for the process: a check, the preview and the sync that
follow share it, per server, Client ID and secret; a refused token is replaced once; it is never
shown anywhere."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.errors import VendorError
from mis_wizard.vendors.powerschool import SPEC
from mis_wizard.vendors.powerschool import sandbox as ps_sandbox_module
from mis_wizard.vendors.powerschool.client import RENEW_MARGIN_S, TOKENS, HeldTokens
from mis_wizard.vendors.powerschool.sandbox import PowerSchoolEmulator
from mis_wizard.wizard.http import build_client


def token_requests(box) -> int:
    return sum(1 for e in box.log if e.path.startswith("/oauth/"))


def held(tokens: HeldTokens, creds: dict[str, Any]) -> str | None:
    return tokens.get(tokens.key(creds["base_url"], creds["plugin"]["client_id"], creds["plugin"]["client_secret"]))


def test_a_check_then_a_preview_then_a_sync_ask_for_one_token(sandbox, small_school):
    """The app's connectors (a new one for each step) hold their tokens in the process's TOKENS."""
    hosted = sandbox.add(PowerSchoolEmulator(small_school))
    creds = hosted.emulator.credentials(hosted.base_url)

    async def gui_session() -> int:
        async with build_client(backoff=0.01) as http:
            checked = [r async for r in SPEC.connector().check(Context(http), creds, SPEC.requirements())]
            assert all(r.status.value != "failed" for r in checked)
            preview = SPEC.connector().stream(Context(http), creds, SPEC.requirements(), "students")
            assert await anext(preview)
            await preview.aclose()
            return len([r async for r in SPEC.connector().stream(Context(http), creds, SPEC.requirements(),
                                                                 "students")])

    assert asyncio.run(gui_session()) == len(small_school.students)
    assert token_requests(sandbox) == 1
    assert held(TOKENS, creds) in hosted.emulator._tokens


def test_every_check_asks_powerschool_so_a_regenerated_secret_fails_at_authentication(sandbox, small_school,
                                                                                      run_check, connector):
    hosted = sandbox.add(PowerSchoolEmulator(small_school))
    tokens = HeldTokens()
    creds = hosted.emulator.credentials(hosted.base_url)
    assert all(r.status.value == "ok" for r in run_check(creds, conn=connector(tokens)))
    hosted.emulator.regenerate(0)
    results = run_check(creds, conn=connector(tokens))
    auth = next(r for r in results if r.check == "Client ID and Secret accepted")
    assert auth.code == "powerschool.client_rejected" and token_requests(sandbox) == 2
    assert held(tokens, creds) is None, "the refused secret's token is let go"


def test_a_token_expired_mid_sync_is_replaced_once(sandbox, small_school, connector):
    hosted = sandbox.add(PowerSchoolEmulator(small_school, max_page_size=5))
    creds = hosted.emulator.credentials(hosted.base_url)

    async def sync() -> int:
        async with build_client(backoff=0.01) as http:
            read = 0
            async for _ in connector().stream(Context(http, concurrency=2), creds, SPEC.requirements(), "students"):
                read += 1
                if read == 10:
                    hosted.emulator.expire_tokens()
            return read

    assert asyncio.run(sync()) == len(small_school.students)
    refused = [e for e in sandbox.log if e.status == 401]
    assert refused and len(refused) <= 2 and token_requests(sandbox) == 2
    pages = [e for e in sandbox.log if e.path == "/ws/v1/district/student" and e.status == 200]
    assert len(pages) == 10, "each refused page was asked for once more, none twice"


def test_a_token_the_server_no_longer_knows_is_replaced(powerschool, ps_sandbox, stream_all, connector):
    """A token revoked or forgotten by the server (a restart, say) answers 401 without "expired"."""
    tokens = HeldTokens()
    creds = powerschool.emulator.credentials(powerschool.base_url)
    tokens.put(tokens.key(creds["base_url"], creds["plugin"]["client_id"], creds["plugin"]["client_secret"]),
               "3c8d0a51-0000-4000-8000-000000000000", None)
    assert len(stream_all(creds, "schools", conn=connector(tokens))) == 2
    refused = [e.path for e in ps_sandbox.log if e.status == 401]
    assert refused and token_requests(ps_sandbox) == 1
    assert sorted(e.path for e in ps_sandbox.log if e.path.startswith("/ws/") and e.status == 200) == sorted(refused)
    assert held(tokens, creds) in powerschool.emulator._tokens


def test_other_client_ids_secrets_and_servers_never_share_a_token(sandbox, small_school, stream_all, connector):
    first = sandbox.add(PowerSchoolEmulator(small_school))
    tokens = HeldTokens()
    good = first.emulator.credentials(first.base_url)
    other_plugin = first.emulator.scenarios(first.base_url)["cc_table_not_granted"].credentials
    wrong_secret = first.emulator.scenarios(first.base_url)["wrong_client_secret"].credentials
    for creds in (good, other_plugin):
        assert len(stream_all(creds, "schools", conn=connector(tokens))) == 2
    assert held(tokens, good) != held(tokens, other_plugin)
    assert first.emulator._tokens[held(tokens, other_plugin)][0].client_id == other_plugin["plugin"]["client_id"]
    with pytest.raises(VendorError) as caught:
        stream_all(wrong_secret, "schools", conn=connector(tokens))
    assert caught.value.code == "powerschool.client_rejected", "the right secret's token is not lent to a wrong one"
    assert held(tokens, wrong_secret) is None
    assert held(tokens, {**good, "base_url": good["base_url"].replace("127.0.0.1", "localhost")}) is None


def test_a_token_near_the_end_of_its_stated_lifetime_is_renewed(sandbox, small_school, stream_all, connector):
    hosted = sandbox.add(PowerSchoolEmulator(small_school))
    now = [1000.0]
    tokens = HeldTokens(clock=lambda: now[0])
    creds = hosted.emulator.credentials(hosted.base_url)
    stream_all(creds, "schools", conn=connector(tokens))
    now[0] += ps_sandbox_module.TOKEN_LIFETIME_S - 2 * RENEW_MARGIN_S
    stream_all(creds, "schools", conn=connector(tokens))
    assert token_requests(sandbox) == 1
    now[0] += RENEW_MARGIN_S + 1  # within a minute of its 30 days: renewed rather than risked
    stream_all(creds, "schools", conn=connector(tokens))
    assert token_requests(sandbox) == 2


def test_without_a_stated_lifetime_a_token_is_held_until_refused():
    tokens = HeldTokens()
    key = tokens.key("https://district.powerschool.com", "client", "secret")
    tokens.put(key, "held-token", None)
    assert tokens.get(key) == "held-token" and tokens.get(key, refused="held-token") is None
    tokens.put(key, "short", 0)
    assert tokens.get(key) is None


def test_the_token_never_appears_in_logs_results_errors_or_reprs(powerschool, ps_sandbox, caplog, connector):
    caplog.set_level(logging.DEBUG)
    tokens = HeldTokens()
    creds = powerschool.emulator.credentials(powerschool.base_url)
    denied = powerschool.emulator.scenarios(powerschool.base_url)["cc_table_not_granted"].credentials
    shown: list[str] = []

    async def go() -> None:
        async with build_client(backoff=0.01) as http:
            conn = connector(tokens)
            results = [r async for r in conn.check(Context(http), creds, SPEC.requirements())]
            shown.append(json.dumps([r.to_json() for r in results]))
            shown.append(repr(results))
            [r async for r in conn.stream(Context(http), creds, SPEC.requirements(), "students")]
            powerschool.emulator.expire_tokens()
            [r async for r in conn.stream(Context(http), creds, SPEC.requirements(), "schools")]
            try:
                [r async for r in connector(tokens).stream(Context(http), denied, SPEC.requirements(),
                                                           "class_memberships")]
            except VendorError as exc:
                shown.extend([str(exc), repr(exc), exc.detail, exc.remedy, repr(exc.__dict__)])
            shown.extend([repr(tokens), repr(conn), repr(vars(conn))])

    asyncio.run(go())
    issued = list(powerschool.emulator._tokens)
    assert len(issued) >= 3
    shown.append(caplog.text)
    shown.append(json.dumps([e.__dict__ for e in ps_sandbox.log]))
    text = "\n".join(shown)
    assert "Section enrollments" in text and not any(t in text for t in issued)
