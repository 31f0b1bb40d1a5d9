"""Sync: 5,000 students from the PowerSchool emulator with 20 ms added to every request.

Two figures from one run against one emulator (in its own process):

- ``sync_vs_bound``: the sync's read of the students (engine.pull, the path ``mis-wizard sync``
  takes) against the lower bound no client can beat at that concurrency: pages needed ÷
  allowed concurrency × latency. Target ≤ 1.1.
- ``sync_vs_pypowerschool``: PyPI's ``pypowerschool`` client fetching the same students (same
  expansions) from the same emulator, divided by our time. Target ≥ 4.

Each side runs seven times, interleaved, and its best run counts, as in mapping.py: the
emulator's latency is fixed, so a slower run is this shared machine's other load, not the
client (the medians are printed too). Two untimed passes first let the emulator render its
pages, so neither side pays for that.

Beside them, ``floor_ms``: the same pages read by the least a client can be, standard-library
``http.client`` on one thread per connection (fresh connections, bodies read, nothing parsed).
It shows what this emulator and machine allow at that concurrency, whichever client reads.

Both sides reuse a bearer token held by the process, as each is built to: PowerSchool hands
back the same token for 30 days, and in the app a sync comes after the checks (and usually the
preview) with the same credentials, so the GUI's sync finds the token the checks got
(``powerschool.client.TOKENS``); pypowerschool's ``Client`` is a process-wide singleton that keeps
its token. So the untimed passes also leave each side holding its token, and the timed runs
measure reading the students, not authenticating.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import http.client
import json
import math
import sys
import threading
import time
import urllib.parse
from typing import Any

from figures import exit_code, figure, median
from served import served

from mis_wizard.vendors.base import Context
from mis_wizard.vendors.powerschool import wire
from mis_wizard.wizard.http import build_client
from mis_wizard.wizard.profile import load as load_profile
from mis_wizard.wizard.subject import from_credentials
from mis_wizard.wizard.sync import engine
from mis_wizard.wizard.sync.report import RunReport


def ours(credentials: dict[str, Any], concurrency: int) -> tuple[float, int, int]:
    """Seconds, students and pages for the sync's read of every student."""
    subject = from_credentials("powerschool", credentials, load_profile("demo"))

    async def go() -> tuple[int, int]:
        async with build_client() as http:
            report = RunReport(system="powerschool", sink="none")
            data = await engine.pull(subject, Context(http, concurrency=concurrency), ["students"], report)
            return len(data["students"]), report.pages["students"]

    started = time.perf_counter()
    students, pages = asyncio.run(go())
    return time.perf_counter() - started, students, pages


def theirs(credentials: dict[str, Any]) -> tuple[float, int]:
    """Seconds and students for pypowerschool; its ``Client`` singleton keeps its token between runs, as
    our process keeps ours."""
    from pypowerschool.powerschool import Client

    started = time.perf_counter()
    client = Client(credentials["base_url"], credentials["plugin"]["client_id"],
                    credentials["plugin"]["client_secret"])
    students = client.students_in_district(with_expansions=wire.STUDENT_EXPANSIONS)
    return time.perf_counter() - started, len(students)


def floor(credentials: dict[str, Any], pages: int, concurrency: int) -> float:
    """Seconds for http.client threads to read the same pages (a token asked for first, untimed)."""
    base = urllib.parse.urlsplit(credentials["base_url"])
    plugin = credentials["plugin"]
    login = base64.b64encode(f"{plugin['client_id']}:{plugin['client_secret']}".encode()).decode()
    first = http.client.HTTPConnection(base.hostname or "", base.port)
    first.request("POST", "/oauth/access_token", body="grant_type=client_credentials",
                  headers={"Authorization": f"Basic {login}", "Content-Type": "application/x-www-form-urlencoded"})
    headers = {"Authorization": f"Bearer {json.loads(first.getresponse().read())['access_token']}",
               "Accept": "application/json"}
    query = urllib.parse.urlencode({"expansions": wire.STUDENT_EXPANSIONS})

    def read(start: int) -> None:
        connection = http.client.HTTPConnection(base.hostname or "", base.port)
        for page in range(start, pages + 1, concurrency):
            connection.request("GET", f"/ws/v1/district/student?{query}&page={page}", headers=headers)
            connection.getresponse().read()
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=read, args=(k + 1,)) for k in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=Context.concurrency)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="a tiny school and one run, for the smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.students, args.runs = 300, 1

    with served("powerschool", args.students, latency_ms=args.latency_ms) as box:
        credentials = box["credentials"]
        for _ in range(2):  # the emulator renders its pages and the client imports its modules
            _, students, pages = ours(credentials, args.concurrency)
        if students != args.students:
            print(f"sync read {students} of {args.students} students", file=sys.stderr)
            return 2
        theirs(credentials)  # imports its modules and gets its token, as our untimed passes did
        our_times, their_runs, floor_times = [], [], []
        for _ in range(args.runs):
            our_times.append(ours(credentials, args.concurrency)[0])
            their_runs.append(theirs(credentials))
            floor_times.append(floor(credentials, pages, args.concurrency))
    if any(n != students for _, n in their_runs):
        print("pypowerschool read a different number of students", file=sys.stderr)
        return 2
    their_times = [s for s, _ in their_runs]
    our_s, their_s = min(our_times), min(their_times)
    bound_s = pages / args.concurrency * args.latency_ms / 1000
    return exit_code([
        figure("sync_vs_bound", our_s / bound_s, "<=", 1.1, wall_ms=our_s * 1000, bound_ms=bound_s * 1000,
               pages=pages, concurrency=args.concurrency, latency_ms=args.latency_ms, students=students,
               rounds=math.ceil(pages / args.concurrency), runs=args.runs, median_ms=median(our_times) * 1000,
               floor_ms=min(floor_times) * 1000, floor_vs_bound=f"{min(floor_times) / bound_s:.2f}"),
        figure("sync_vs_pypowerschool", their_s / our_s, ">=", 4, ours_ms=our_s * 1000,
               pypowerschool_ms=their_s * 1000, students=students, runs=args.runs,
               median_ratio=median(their_times) / median(our_times)),
    ])


if __name__ == "__main__":
    sys.exit(main())
