"""The support report: what an integrator's support engineer needs, and nothing secret or personal.

App version, OS, proxy and TLS trust facts, steps done, check results and the log tail — all
passed through the one redaction filter. It names no people: the school's name and system
stay, the admin's name and e-mail do not.
"""

from __future__ import annotations

import json
import os
import platform
import ssl
import urllib.request
from typing import Any

from mis_wizard import APP_NAME, __version__
from mis_wizard.wizard import logs, redact
from mis_wizard.wizard.secret_store import SecretStore
from mis_wizard.wizard.session import Session


def network_facts() -> dict[str, Any]:
    proxies = urllib.request.getproxies()
    try:
        import truststore  # noqa: F401

        trust = "operating system certificate store (truststore)"
    except ImportError:
        trust = f"bundled certificates ({ssl.OPENSSL_VERSION})"
    from mis_wizard.wizard import proxy

    try:
        choice = proxy.load_choice()
        setting = choice.describe()
        found = proxy.windows_settings()
    except proxy.ProxySetupProblem as exc:
        setting, found = exc.message, {}
    return {"proxy": {scheme: "set" for scheme in proxies} or "none",
            "no_proxy": bool(os.environ.get("NO_PROXY") or os.environ.get("no_proxy")),
            "proxy_setting": setting, "auto_detect": bool(found.get("auto_detect")),
            "pac_file": bool(found.get("pac_url")),
            "tls_trust": trust, "openssl": ssl.OPENSSL_VERSION}


def build(session: Session, log_lines: int = 120) -> dict[str, Any]:
    secrets = SecretStore()
    for value in _secret_values(session, secrets):
        redact.register(value)
    results = session.checks.get("results", [])
    report = {
        "app": f"{APP_NAME} {__version__}",
        "os": platform.platform(),
        "python": platform.python_version(),
        "credential_store": secrets.backend_name + ("" if secrets.persistent else " (not usable: memory only)"),
        "network": network_facts(),
        "session": {"id": session.id, "system": session.system, "profile": session.profile,
                    "school": session.school.get("name", ""), "page": session.page,
                    "created": session.created, "updated": session.updated},
        "steps_done": sorted(k for k, v in session.steps_done.items() if v),
        "checked_at": session.checks.get("checked_at", ""),
        "checks": [{k: r.get(k, "") for k in ("key", "check", "status", "code", "message", "remedy", "detail")}
                   for r in results],
        "log_tail": logs.tail(log_lines),
    }
    redacted: dict[str, Any] = json.loads(redact.redact(json.dumps(report)))
    return redacted


def _secret_values(session: Session, secrets: SecretStore) -> list[str]:
    out = []

    def walk(value: Any) -> None:
        if isinstance(value, dict) and "$secret" in value:
            out.append(secrets.get(value))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)

    walk(session.credentials)
    return [v for v in out if v]


def as_text(report: dict[str, Any]) -> str:
    lines = [report["app"], f"OS: {report['os']} · Python {report['python']}",
             f"Credential store: {report['credential_store']}",
             f"Network: proxy {report['network']['proxy']}, trust {report['network']['tls_trust']}",
             f"Proxy setting: {report['network']['proxy_setting']}",
             f"Session {report['session']['id']}: {report['session']['system']} · profile "
             f"{report['session']['profile']} · {report['session']['school']}",
             f"Steps done: {', '.join(report['steps_done']) or 'none'}",
             f"Checks ({report['checked_at'] or 'not run'}):"]
    for r in report["checks"]:
        lines.append(f"  [{r['status']}] {r['key']}: {r['check']} — {r['message']} ({r['code']})")
    lines.append("Log (last lines):")
    lines.extend(f"  {line}" for line in report["log_tail"])
    return "\n".join(lines) + "\n"
