"""Vendor-shaped error bodies for the sandbox, and the exception handlers raise to send one.

Owns the envelope (variant A plus `error`, variant C for event-route 500s); must not know
about routes or storage. Never puts request secrets in a message unless hostile mode asks.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import Send

HTTP_ERROR_TYPES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    421: "MISDIRECTED_REQUEST",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}


class ApiProblem(Exception):
    """Raised by a handler to answer with a vendor error body instead of a result."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        http_error_type: str | None = None,
        variant: str = "A",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.http_error_type = http_error_type or HTTP_ERROR_TYPES.get(status, "ERROR")
        self.variant = variant


def new_request_id() -> str:
    return str(uuid.uuid4())


def problem_body(problem: ApiProblem) -> dict[str, Any]:
    """The JSON body for one problem, in the variant the vendor uses for that route."""
    if problem.variant == "C":
        # Event routes' 500s: {status_code, error_type, message} (docs variant C).
        return {
            "status_code": problem.status,
            "error_type": problem.http_error_type,
            "message": problem.message,
        }
    if problem.variant == "D":
        return {"error": problem.error_code, "message": problem.message}
    return {
        "status_code": problem.status,
        "http_error_type": problem.http_error_type,
        "error_code": problem.error_code,
        "error": problem.error_code,
        "message": problem.message,
        "request_id": new_request_id(),
    }


def problem_response(problem: ApiProblem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem_body(problem), status_code=problem.status, headers=headers)


def bad_request(message: str, error_code: str = "BAD_REQUEST") -> ApiProblem:
    return ApiProblem(400, error_code, message)


def not_found(message: str, error_code: str = "RESOURCE_NOT_FOUND") -> ApiProblem:
    return ApiProblem(404, error_code, message)


async def send_json(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]]
) -> None:
    """A JSON reply sent straight through ASGI (the middlewares answer before any route)."""
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
