"""JSM's error answers: `{errorMessage, i18nErrorMessage{i18nKey, parameters}}` with the status JSM uses."""

from __future__ import annotations

from typing import Any

from .wire import JsonAnswer


class JsmError(Exception):
    """Raised by a handler; becomes an error answer in JSM's model."""

    def __init__(
        self,
        status: int,
        message: str,
        i18n_key: str,
        *parameters: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.i18n_key = i18n_key
        self.parameters = [str(p) for p in parameters]
        self.headers = headers or {}

    def body(self, *, platform_model: bool = False) -> dict[str, Any]:
        if platform_model:  # the deliberate defect: Jira platform's model instead of JSM's
            return {"errorMessages": [self.message], "errors": {}}
        return {
            "errorMessage": self.message,
            "i18nErrorMessage": {"i18nKey": self.i18n_key, "parameters": self.parameters},
        }

    def response(self, *, platform_model: bool = False) -> JsonAnswer:
        return JsonAnswer(self.body(platform_model=platform_model), status_code=self.status, headers=self.headers)


def bad_request(message: str, key: str = "sd.error.bad.request", *parameters: str) -> JsmError:
    return JsmError(400, message, key, *parameters)


def unauthorized(
    message: str = "You are not authenticated. Authentication required to perform this operation.",
) -> JsmError:
    return JsmError(401, message, "sd.error.unauthenticated")


def forbidden(message: str, key: str = "sd.error.forbidden", *parameters: str) -> JsmError:
    return JsmError(403, message, key, *parameters)


def not_found(what: str, ident: object, key: str = "sd.error.not.found") -> JsmError:
    return JsmError(404, f"{what} {ident} does not exist or you do not have permission to see it.", key, str(ident))


def conflict(message: str, key: str, *parameters: str) -> JsmError:
    return JsmError(409, message, key, *parameters)
