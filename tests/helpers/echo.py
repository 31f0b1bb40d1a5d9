"""An emulator that answers every request with its path and User-Agent: for tests of the HTTP client."""

from __future__ import annotations

from mis_wizard.vendors.sandbox.kit import Emulator, Request, Response, json_response


class Echo(Emulator):
    system = "echo"

    def handle(self, request: Request) -> Response:
        return json_response({"path": request.path, "ua": request.headers.get("user-agent", "")})

    def credentials(self, base_url: str) -> dict[str, str]:
        return {"base_url": base_url}
