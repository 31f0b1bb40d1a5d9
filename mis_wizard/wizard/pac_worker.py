"""Evaluates a proxy auto-config script in a process of its own (``python -m mis_wizard.wizard.pac_worker``,
or the console program with ``--pac-worker`` when frozen).

The script is JavaScript from the network, run by dukpy, which holds the interpreter while it runs
and cannot be interrupted: a script that loops forever would stop the whole program. In a process
of its own it is simply ended when it takes too long (``wizard.proxy`` does that).

Protocol, one JSON object a line: the first line in is ``{"script": TEXT}``, answered by
``{"ready": true}`` or ``{"error": WHY}``; each later line ``{"url": U, "host": H}`` is answered by
``{"answer": "PROXY p:8080; DIRECT"}`` or ``{"error": WHY}``.
"""

from __future__ import annotations

import json
import sys
import warnings
from typing import IO, Any

FLAG = "--pac-worker"


def serve(stdin: IO[str], stdout: IO[str]) -> int:
    def say(obj: dict[str, Any]) -> None:
        stdout.write(json.dumps(obj) + "\n")
        stdout.flush()

    first = stdin.readline()
    try:
        script = json.loads(first)["script"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pypac.parser import PACFile

            pac = PACFile(script)
    except Exception:
        say({"error": "its script has an error"})
        return 1
    say({"ready": True})
    for line in stdin:
        try:
            query = json.loads(line)
            say({"answer": str(pac.find_proxy_for_url(str(query["url"]), str(query["host"])))})
        except Exception:
            say({"error": "its script failed for this address"})
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.stdin, sys.stdout))
