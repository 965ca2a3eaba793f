"""JSM's answers as typed errors: JSM's and the platform's error models, HTML pages, DC's refused credential."""

from __future__ import annotations

import httpx
import pytest

import jsm
from jsm.errors import error_for

OPERATION = "GET /servicedeskapi/request/{issueIdOrKey}"


def answer(status: int, *, path: str = "/rest/servicedeskapi/request/ITS-1", **kwargs: object) -> httpx.Response:
    response = httpx.Response(status, **kwargs)  # type: ignore[arg-type]
    response.request = httpx.Request("GET", f"http://jsm.test{path}")
    return response


def jsm_body(message: str, key: str) -> dict[str, object]:
    return {"errorMessage": message, "i18nErrorMessage": {"i18nKey": key, "parameters": ["ITS-1"]}}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, jsm.BadRequest),
        (401, jsm.Unauthorized),
        (403, jsm.PermissionDenied),
        (404, jsm.NotFound),
        (409, jsm.Conflict),
        (429, jsm.RateLimited),
        (500, jsm.ServerError),
        (502, jsm.ServerError),
        (503, jsm.ServiceUnavailable),
        (415, jsm.UnexpectedResponse),
    ],
)
def test_each_status_has_its_error(status: int, kind: type[jsm.ApiError]) -> None:
    error = error_for(answer(status, json=jsm_body("No.", "sd.error.x")), operation=OPERATION)
    assert type(error) is kind
    assert error.status == status


def test_jsm_error_model_is_read_into_the_error() -> None:
    response = answer(404, json=jsm_body("Request ITS-1 does not exist.", "sd.request.error.not.found"))
    error = error_for(response, operation=OPERATION)
    assert isinstance(error, jsm.NotFound)
    assert error.error_message == "Request ITS-1 does not exist."
    assert error.i18n_key == "sd.request.error.not.found"
    assert error.i18n_parameters == ["ITS-1"]
    assert error.response is response
    text = str(error)
    assert text.startswith(f"{OPERATION} answered 404 Not Found: Request ITS-1 does not exist.")
    assert "[sd.request.error.not.found]" in text
    assert "hint:" in text


def test_platform_error_model_is_read_too() -> None:
    body = {"errorMessages": ["Field errors."], "errors": {"summary": "You must specify a summary."}}
    error = error_for(answer(400, json=body), operation="POST /api/2/issue")
    assert isinstance(error, jsm.BadRequest)
    assert error.error_messages == ["Field errors."]
    assert error.field_errors == {"summary": "You must specify a summary."}
    assert error.messages == ["Field errors.", "summary: You must specify a summary."]
    assert "summary: You must specify a summary." in str(error)


def test_retry_after_is_carried_by_rate_limit_and_unavailable_errors() -> None:
    limited = error_for(answer(429, headers={"Retry-After": "12"}, json={}), operation=OPERATION)
    assert isinstance(limited, jsm.RateLimited)
    assert limited.retry_after == 12.0
    unavailable = error_for(answer(503, text="down"), operation=OPERATION)
    assert isinstance(unavailable, jsm.ServiceUnavailable)
    assert unavailable.retry_after is None


UNLICENSED_PAGE = "<!DOCTYPE html><html><head><title>Unlicensed</title></head><body>JSM is not licensed</body></html>"


def test_the_html_403_of_an_unlicensed_jsm_is_recognised() -> None:
    response = answer(403, text=UNLICENSED_PAGE, headers={"Content-Type": "text/html;charset=UTF-8"})
    error = error_for(response, operation=OPERATION)
    assert isinstance(error, jsm.JsmNotLicensed)
    assert isinstance(error, jsm.PermissionDenied)
    assert error.error_message is None
    assert "not licensed" in str(error)
    assert "license Jira Service Management" in str(error)


def test_an_html_403_outside_servicedeskapi_is_a_plain_permission_error() -> None:
    response = answer(403, path="/rest/api/2/myself", text=UNLICENSED_PAGE, headers={"Content-Type": "text/html"})
    error = error_for(response, operation="GET /api/2/myself")
    assert type(error) is jsm.PermissionDenied
    assert "an HTML page instead of JSON" in str(error)


def test_non_json_bodies_do_not_break_error_handling() -> None:
    error = error_for(answer(502, text="Bad gateway", headers={"Content-Type": "text/plain"}), operation=OPERATION)
    assert isinstance(error, jsm.ServerError)
    assert "text/plain" in str(error)
    assert error.messages == []
    empty = error_for(answer(500), operation=OPERATION)
    assert "no body" in str(empty)


@pytest.mark.parametrize("reason", ["AUTHENTICATED_FAILED", "AUTHENTICATION_DENIED", "OK, AUTHENTICATED_FAILED"])
def test_a_refused_dc_credential_is_caught_even_behind_a_200(reason: str) -> None:
    response = answer(200, json={"version": "11.3.0"}, headers={"X-Seraph-LoginReason": reason})
    error = error_for(response, operation="GET /servicedeskapi/info")
    assert isinstance(error, jsm.CredentialRejected)
    assert isinstance(error, jsm.Unauthorized)
    assert error.status == 200
    assert error.login_reason in reason
    assert "refused the credential" in str(error)


def test_a_successful_login_reason_is_no_error() -> None:
    assert error_for(answer(200, json={}, headers={"X-Seraph-LoginReason": "OK"}), operation=OPERATION) is None
    assert error_for(answer(204), operation=OPERATION) is None


def test_the_error_repr_is_short_and_names_the_operation() -> None:
    error = error_for(answer(401, json=jsm_body("Who are you?", "sd.auth")), operation=OPERATION)
    assert repr(error) == f"Unauthorized(status=401, operation={OPERATION!r})"
