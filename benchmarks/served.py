"""One emulator served from its own process, as a real school system is on another machine.

A benchmark that ran the emulator in the benchmark's own process would measure the emulator's Python
threads fighting the client and the GUI thread for the GIL, not the wizard. ``served()``
starts this file as a child, which prints the base URL and working credentials as one JSON
line and serves until its standard input closes.

The kit's handler writes the headers and the body of a response in two sends with Nagle's
algorithm on, so on Linux every response waits out the client's delayed ACK (about 40 ms): a
stall no real school system has. The served emulator turns Nagle off (TCP_NODELAY), as real web
servers do, so a benchmark measures the wizard rather than that artefact.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

DISTRICT_FROM = 50_000
"""The largest school ``school.generate`` makes; larger ones are districts."""


@contextlib.contextmanager
def served(system: str, size: int, *, latency_ms: int = 0, seed: int = 7,
           options: dict[str, Any] | None = None, district: bool | None = None) -> Iterator[dict[str, Any]]:
    """``{"base_url", "credentials"}`` of ``system`` over a ``size``-student school, with
    ``latency_ms`` added to every request; the child ends when the block does. ``district``: the
    synthetic school's district size (``school.district``: people made a block at a time as they
    are read), which every size over 50,000 is."""
    cmd = [sys.executable, __file__, system, str(size), "--latency-ms", str(latency_ms), "--seed", str(seed),
           "--options", json.dumps(options or {})]
    if district or (district is None and size > DISTRICT_FROM):
        cmd.append("--district")
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"the {system} emulator did not start (exit {child.wait()})")
        yield json.loads(line)
    finally:
        if child.stdin:
            child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _serve(system: str, size: int, latency_ms: int, seed: int, options: dict[str, Any], district: bool) -> None:
    import datetime as dt

    from mis_wizard.vendors import registry
    from mis_wizard.vendors.sandbox import school as school_model
    from mis_wizard.vendors.sandbox.kit import Fault, FaultKind, Sandbox

    spec = registry.get(system)
    if spec.emulator is None:
        raise SystemExit(f"{system} has no emulator")
    anchor = dt.date(2026, 11, 22)
    school = (school_model.district(seed=seed, students=size, anchor=anchor) if district
              else school_model.generate(seed=seed, size=size, anchor=anchor))
    emulator = spec.emulator(school, **options)  # type: ignore[call-arg]  # the emulator class takes its options
    getattr(emulator, "districts", None)  # rendered before the first request, not while a client waits
    with Sandbox() as box:
        hosted = box.add(emulator)
        hosted.server.RequestHandlerClass = type("NoDelayHandler", (hosted.server.RequestHandlerClass,),
                                                 {"disable_nagle_algorithm": True})
        if latency_ms:
            box.inject(system, Fault(FaultKind.LATENCY, latency_ms=latency_ms))
        print(json.dumps({"base_url": hosted.base_url, "credentials": emulator.credentials(hosted.base_url)}),
              flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("system")
    parser.add_argument("size", type=int)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--options", default="{}", help="JSON keyword arguments for the emulator")
    parser.add_argument("--district", action="store_true", help="a district-sized school, made as it is read")
    args = parser.parse_args()
    _serve(args.system, args.size, args.latency_ms, args.seed, json.loads(args.options), args.district)
