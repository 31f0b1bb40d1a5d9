"""`mis-wizard proxy show|set|clear`: the proxy setting every later run uses, the scheduled sync too."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from typing import Any

import httpx

from mis_wizard.vendors.errors import ProxySetupProblem
from mis_wizard.wizard import proxy
from mis_wizard.wizard.cli import EXIT_OK, UsageError


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("proxy", help="show or set how the wizard finds the school's proxy")
    p.add_argument("action", choices=("show", "set", "clear"))
    p.add_argument("value", nargs="?", help="for set: system, direct, wpad, pac:URL or http://proxy-host:port")
    p.add_argument("--user", default="", help="for set: a proxy login user (DOMAIN\\name for NTLM)")
    p.add_argument("--password-env", default="", metavar="NAME",
                   help="for set: read the proxy password from this environment variable, not a prompt")
    p.add_argument("--no-windows-login", action="store_true",
                   help="for set: never answer a proxy with the signed-in Windows user's login")
    p.add_argument("--url", default="", help="for show: which proxy this address would go through")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_proxy)


def cmd_proxy(args: argparse.Namespace) -> int:
    try:
        if args.action == "clear":
            proxy.forget_saved_login()
            proxy.settings_path().unlink(missing_ok=True)
            print("Proxy setting cleared: this computer's own proxy settings are used.")
            return EXIT_OK
        if args.action == "set":
            if not args.value:
                raise UsageError("proxy set needs a value: system, direct, wpad, pac:URL or http://proxy-host:port")
            password = ""
            if args.user:
                password = os.environ.get(args.password_env, "") if args.password_env else \
                    getpass.getpass(f"Proxy password for {args.user}: ")
                if not password:
                    raise UsageError("no proxy password given (from the prompt or --password-env)")
            choice = proxy.save_choice(args.value, args.user, password, windows_login=not args.no_windows_login)
            print(f"Saved: {choice.describe()}.")
            return EXIT_OK
        choice = proxy.load_choice()
        route = asyncio.run(_route(choice, args.url)) if args.url else None
    except ProxySetupProblem as exc:
        raise UsageError(f"{exc.message} {exc.remedy}") from exc
    if args.json:
        print(json.dumps({"setting": choice.describe(), "mode": choice.mode, "route": route}, indent=2))
    else:
        print(f"Proxy setting: {choice.describe()}.")
        if route is not None:
            print(f"{args.url} goes {route['route']}." + "".join(f"\n  {n}" for n in route["notes"]))
    return EXIT_OK


async def _route(choice: proxy.ProxyChoice, url: str) -> dict[str, Any]:
    try:
        target = httpx.URL(url if "://" in url else f"https://{url}")
    except httpx.InvalidURL as exc:
        print(f"{url} is not a web address.", file=sys.stderr)
        raise UsageError(f"{url} is not a web address") from exc
    resolver = proxy.ProxyResolver(choice)
    found = await resolver.proxy_for(target)
    return {"route": f"through {found}" if found else "direct", "notes": resolver.notes}
