"""Error responses shared by the routers: documented in OpenAPI, never a stack trace."""

from fastapi.exceptions import RequestValidationError

from qa.schemas import ErrorResponse

ERRORS = {
    401: {"model": ErrorResponse, "description": "Missing or wrong bearer token or API key."},
    403: {"model": ErrorResponse, "description": "Refused by the operator's policy: admin endpoints disabled (no "
                                                 "NEWSQA_ADMIN_TOKEN set), or a webhook address not allowed."},
    404: {"model": ErrorResponse, "description": "No such article or watch."},
    422: {"model": ErrorResponse, "description": "Invalid request; `detail` names the field or the reason."},
    409: {"model": ErrorResponse, "description": "A rebuild or build is already running."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    429: {"model": ErrorResponse, "description": "The API key's rate limit is used up; `Retry-After` says when to "
                                                 "try again."},
    503: {"model": ErrorResponse, "description": "No index is loaded or its database is unreachable; the message says why and what to do."},
}


def responses(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


def invalid(field: tuple, message: str) -> RequestValidationError:
    """A 422 in FastAPI's own error format, naming the offending field."""
    return RequestValidationError([{"loc": field, "msg": message, "type": "value_error"}])
