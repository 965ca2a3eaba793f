"""The client's wiring, one behaviour per test over httpx.MockTransport: base URLs per flavor and auth, flavor
detection, the headers it adds, per-flavor bodies, and what it does with answers the document did not foresee."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jsm
from jsm.flavor import Flavor, flavor_from_info, flavor_from_url
from jsm.operations import OperationIndex
from jsm.transport import RequestHooks

SITE = "https://jira.example.com"
CLOUD_SITE = "https://example.atlassian.net"


class Recorder:
    """A MockTransport handler that records requests and answers with `reply(request)`."""

    def __init__(self, reply: Callable[[httpx.Request], httpx.Response] | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.reply = reply or (lambda request: httpx.Response(200, json={}))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.reply(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]

    def body(self) -> Any:
        return json.loads(self.last.content)


def client(flavor: str | None, recorder: Recorder, url: str | None = SITE, **options: Any) -> jsm.Client:
    options.setdefault("auth", jsm.BasicAuth("admin", "s3cret-password"))
    return jsm.Client(url, flavor=flavor, transport=httpx.MockTransport(recorder), **options)


def user_json(**fields: Any) -> dict[str, Any]:
    return {"emailAddress": "ann@example.com", "displayName": "Ann", **fields}


def test_server_calls_go_under_rest_and_cloud_calls_under_the_site_root() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"values": [], "isLastPage": True}))
    with client("server", recorder, url="http://jira.example.com:8080/jira/") as server:
        list(server.service_desks.list())
    assert str(recorder.last.url) == "http://jira.example.com:8080/jira/rest/servicedeskapi/servicedesk?start=0"
    with client("cloud", recorder, url=CLOUD_SITE) as cloud:
        list(cloud.service_desks.list(page_size=10))
    assert str(recorder.last.url) == f"{CLOUD_SITE}/rest/servicedeskapi/servicedesk?start=0&limit=10"


def test_oauth2_goes_through_the_atlassian_gateway_with_a_bearer_token() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"version": "1001.0.0"}))
    auth = jsm.OAuth2("oauth-access-token", cloud_id="a1b2c3d4-0000-4000-8000-000000000000")
    with jsm.Client(auth=auth, transport=httpx.MockTransport(recorder)) as oauth:
        assert oauth.flavor is Flavor.CLOUD
        oauth.info()
    assert str(recorder.last.url) == (
        "https://api.atlassian.com/ex/jira/a1b2c3d4-0000-4000-8000-000000000000/rest/servicedeskapi/info"
    )
    assert recorder.last.headers["Authorization"] == "Bearer oauth-access-token"


def test_oauth2_refuses_server_and_a_site_url() -> None:
    auth = jsm.OAuth2("t", cloud_id="a1b2c3d4")
    with pytest.raises(jsm.ConfigurationError, match="Cloud only"):
        jsm.Client(auth=auth, flavor="server")
    with pytest.raises(jsm.ConfigurationError, match="omit the site URL"):
        jsm.Client(CLOUD_SITE, auth=auth)


def test_bearer_and_basic_credentials_set_the_authorization_header() -> None:
    recorder = Recorder()
    with client("server", recorder, auth=jsm.BearerToken("pat-123")) as pat:
        pat.info()
    assert recorder.last.headers["Authorization"] == "Bearer pat-123"
    with client("server", recorder, auth=jsm.BasicAuth("admin", "pw")) as basic:
        basic.info()
    assert recorder.last.headers["Authorization"] == "Basic YWRtaW46cHc="


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (None, "no site URL"),
        ("jira.example.com", "not an http"),
        (f"{SITE}/rest", "without /rest"),
        (f"{SITE}?x=1", "query"),
    ],
)
def test_bad_site_urls_are_refused(url: str | None, message: str) -> None:
    with pytest.raises(jsm.ConfigurationError, match=message):
        jsm.Client(url, flavor="server")


def test_a_site_url_with_credentials_is_refused_without_repeating_them() -> None:
    with pytest.raises(jsm.ConfigurationError, match="carries credentials") as caught:
        jsm.Client("https://admin:s3cret-password@jira.example.com", flavor="server")
    assert "s3cret" not in str(caught.value)


SECRET = "s3cret-value"


def test_a_user_and_password_pair_works_and_no_repr_shows_the_password() -> None:
    recorder = Recorder()
    with client("server", recorder, auth=("admin", SECRET)) as pair:
        pair.info()
        assert (
            recorder.last.headers["Authorization"] == "Basic " + base64.b64encode(f"admin:{SECRET}".encode()).decode()
        )
        assert "BasicAuth(username='admin', secret=<redacted>)" in repr(pair)
        shown = [repr(pair), str(pair), repr(pair.generated), repr(pair.http.auth), repr(pair.http.headers)]
    assert not any(SECRET in text for text in shown)
    async_client = jsm.AsyncClient(SITE, flavor="server", auth=("admin", SECRET))
    assert SECRET not in repr(async_client) and "secret=<redacted>" in repr(async_client)


@pytest.mark.parametrize(
    "auth",
    [
        httpx.BasicAuth("admin", SECRET),
        httpx.DigestAuth("admin", SECRET),
        lambda request: request,
    ],
)
def test_any_other_auth_shows_only_its_type_in_the_repr(auth: Any) -> None:
    with client("server", Recorder(), auth=auth) as other:
        assert SECRET not in repr(other)
        assert re.search(r"auth=<(httpx|jsm\.auth)\.\w+>\)$", repr(other))


@pytest.mark.parametrize("auth", [("admin",), ("admin", SECRET, "x"), ("admin", 7), SECRET, 42])
def test_an_unusable_auth_is_refused_without_repeating_it(auth: Any) -> None:
    with pytest.raises(jsm.ConfigurationError, match="auth") as caught:
        jsm.Client(SITE, flavor="server", auth=auth)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"{SITE}/?token={SECRET}", "without a query or fragment"),
        (f"{SITE}/#{SECRET}", "without a query or fragment"),
        (f"{SITE}/rest?token={SECRET}", "without a query or fragment"),
        (f"jira.example.com/?token={SECRET}", "not an http"),
        (f"ftp://jira.example.com/?{SECRET}", "not an http"),
        (f"https://admin:{SECRET}@jira.example.com/?token={SECRET}", "carries credentials"),
        (f"https://admin:{SECRET}@/x", "carries credentials"),
    ],
)
def test_configuration_errors_never_repeat_the_secret_parts_of_a_site_url(url: str, message: str) -> None:
    for make in (
        lambda: jsm.Client(url, flavor="server"),
        lambda: jsm.AsyncClient(url, flavor="server"),
        lambda: asyncio.run(jsm.AsyncClient.connect(url, flavor="server")),
    ):
        with pytest.raises(jsm.ConfigurationError, match=message) as caught:
            make()
        assert SECRET not in str(caught.value) and SECRET not in repr(caught.value)


def test_an_oauth2_mismatch_never_repeats_the_secret_parts_of_the_url() -> None:
    auth = jsm.OAuth2("t", cloud_id="a1b2c3d4")
    with pytest.raises(jsm.ConfigurationError, match="omit the site URL") as caught:
        jsm.Client(f"{CLOUD_SITE}/?token={SECRET}", auth=auth)
    assert SECRET not in str(caught.value) and "?token=***" in str(caught.value)


def test_a_connection_error_never_repeats_credentials_of_a_proxy_url() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ProxyError(f"cannot reach proxy http://robot:{SECRET}@proxy.example.com:3128")

    with client("server", Recorder(refuse)) as refused, pytest.raises(jsm.ConnectionFailed) as caught:
        refused.info()
    assert SECRET not in str(caught.value) and "http://***@proxy.example.com:3128" in str(caught.value)


def test_the_flavor_comes_from_the_host_name_or_from_servicedeskapi_info() -> None:
    assert flavor_from_url(CLOUD_SITE) is Flavor.CLOUD
    assert flavor_from_url("https://api.atlassian.com/ex/jira/x") is Flavor.CLOUD
    assert flavor_from_url(SITE) is None
    assert flavor_from_info({"platformVersion": "1001.0.0-SNAPSHOT"}) is Flavor.CLOUD
    assert flavor_from_info({"platformVersion": "10.3.4", "_links": {"self": f"{CLOUD_SITE}/rest"}}) is Flavor.CLOUD
    assert flavor_from_info({"platformVersion": "10.3.4", "_links": {"self": f"{SITE}/rest"}}) is Flavor.SERVER

    def info(platform: str) -> Callable[[httpx.Request], httpx.Response]:
        return lambda request: httpx.Response(200, json={"version": "x", "platformVersion": platform})

    for platform, flavor in (("1001.0.0-SNAPSHOT", Flavor.CLOUD), ("10.3.0", Flavor.SERVER)):
        recorder = Recorder(info(platform))
        with client(None, recorder) as detected:
            assert detected.flavor is flavor
        assert str(recorder.requests[0].url) == f"{SITE}/rest/servicedeskapi/info"


def test_a_site_that_is_not_jsm_fails_detection_with_advice() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, text="<html>login</html>", headers={"Content-Type": "text/html"}))
    with pytest.raises(jsm.FlavorDetectionError, match=r"(?i)pass flavor="):
        client(None, recorder)


def test_the_async_client_needs_the_flavor_or_connect() -> None:
    with pytest.raises(jsm.ConfigurationError, match=r"AsyncClient\.connect"):
        jsm.AsyncClient(SITE, auth=jsm.BasicAuth("a", "b"))


def test_experimental_operations_get_the_opt_in_header_and_others_do_not() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"values": [], "isLastPage": True}))
    operations = OperationIndex.of("jsm_cloud")
    experimental = operations.get("GET", "/rest/servicedeskapi/servicedesk/{serviceDeskId}/customer")
    plain = operations.get("GET", "/rest/servicedeskapi/servicedesk")
    assert experimental.experimental
    assert not plain.experimental
    with client("cloud", recorder, url=CLOUD_SITE) as cloud:
        list(cloud.customers.list(1))
        assert recorder.last.headers.get("X-ExperimentalApi") == "opt-in"
        list(cloud.service_desks.list())
        assert "X-ExperimentalApi" not in recorder.last.headers


def test_multipart_uploads_get_the_no_check_token_header() -> None:
    hooks = RequestHooks(OperationIndex.of("jsm_cloud"), "")
    upload = httpx.Request("POST", f"{CLOUD_SITE}/rest/servicedeskapi/servicedesk/1/x", files={"file": b"abc"})
    hooks.on_request(upload)
    assert upload.headers["X-Atlassian-Token"] == "no-check"
    plain = httpx.Request("POST", f"{CLOUD_SITE}/rest/servicedeskapi/request", json={})
    hooks.on_request(plain)
    assert "X-Atlassian-Token" not in plain.headers


def test_the_user_agent_names_the_facade_and_the_flavor() -> None:
    recorder = Recorder()
    with client("server", recorder) as server:
        server.info()
    agent = recorder.last.headers["User-Agent"]
    from importlib.metadata import version

    assert agent.startswith(f"jsm-client/{version('jsm-client')} (server;")


def test_the_display_name_and_conflict_handling_follow_the_flavor() -> None:
    recorder = Recorder(lambda r: httpx.Response(201, json=user_json(name="ann@example.com")))
    with client("server", recorder) as server:
        created = server.customers.create(email="ann@example.com", display_name="Ann")
    assert recorder.body() == {"email": "ann@example.com", "fullName": "Ann"}
    assert recorder.last.url.params.get("strictConflictStatusCode") is None
    assert created.name == "ann@example.com"
    recorder.reply = lambda r: httpx.Response(201, json=user_json(accountId="qm:1:2"))
    with client("cloud", recorder, url=CLOUD_SITE) as cloud:
        created = cloud.customers.create(email="ann@example.com", display_name="Ann")
    assert recorder.body() == {"email": "ann@example.com", "displayName": "Ann"}
    assert recorder.last.url.params["strictConflictStatusCode"] == "true"
    assert created.account_id == "qm:1:2"


def test_users_are_named_by_username_on_server_and_by_account_id_on_cloud() -> None:
    import jsm_cloud.models as cloud_models
    import jsm_server.models as server_models

    recorder = Recorder(lambda r: httpx.Response(204))
    with client("server", recorder) as server:
        server.customers.add(1, [server_models.UserDTO(name="ann@example.com", key="JIRAUSER1"), "bob"])
    assert recorder.body() == {"usernames": ["ann@example.com", "bob"]}
    with client("cloud", recorder, url=CLOUD_SITE) as cloud:
        cloud.customers.add(1, cloud_models.UserDTO(account_id="qm:1:2", name="qm:1:2"))
        assert recorder.body() == {"accountIds": ["qm:1:2"]}
        with pytest.raises(jsm.ConfigurationError, match="carries no an accountId"):
            cloud.customers.add(1, cloud_models.UserDTO(name="legacy"))


def test_a_refused_credential_behind_a_200_raises_through_the_client() -> None:
    refused = Recorder(lambda r: httpx.Response(200, json={}, headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}))
    with client("server", refused) as server, pytest.raises(jsm.CredentialRejected):
        server.info()


def test_the_generated_parser_never_sees_an_html_error_page() -> None:
    page = "<!DOCTYPE html><html><body>Jira Service Management is not licensed</body></html>"
    html = Recorder(lambda r: httpx.Response(403, text=page, headers={"Content-Type": "text/html"}))
    with client("server", html) as server, pytest.raises(jsm.JsmNotLicensed) as caught:
        server.customers.create(email="a@example.com", display_name="A")
    assert caught.value.operation == "POST /servicedeskapi/customer"


def test_an_undocumented_success_status_is_read_with_the_documented_model(caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json=user_json(accountId="qm:9")))
    with caplog.at_level(logging.WARNING, "jsm"), client("cloud", recorder, url=CLOUD_SITE) as cloud:
        created = cloud.customers.create(email="ann@example.com", display_name="Ann")
    assert created.account_id == "qm:9"
    assert "answered 200, a status its API document does not declare" in caplog.text


def test_a_body_the_model_cannot_read_is_a_clear_error() -> None:
    recorder = Recorder(lambda r: httpx.Response(200, json={"values": "not a list", "isLastPage": True}))
    with client("cloud", recorder, url=CLOUD_SITE) as cloud, pytest.raises(jsm.UnreadableResponse, match="servicedesk"):
        list(cloud.service_desks.list())


def test_operations_a_flavor_lacks_are_not_supported_there() -> None:
    recorder = Recorder()
    with client("server", recorder) as server:
        with pytest.raises(jsm.NotSupported, match="knowledgebase"):
            list(server.knowledge_base.search("printer"))
        with pytest.raises(jsm.NotSupported, match="takes no 'search_query'"):
            list(server.request_types.list(1, query="printer"))
    assert recorder.requests == []


def test_credentials_keep_their_secret_out_of_reprs_and_pickles() -> None:
    import pickle

    basic = jsm.BasicAuth("admin", "s3cret-password")
    bearer = jsm.BearerToken("pat-abcdef")
    oauth = jsm.OAuth2("oauth-abcdef", cloud_id="c1")
    assert repr(basic) == "BasicAuth(username='admin', secret=<redacted>)"
    assert repr(bearer) == "BearerToken(token=<redacted>)"
    assert repr(oauth) == "OAuth2(cloud_id='c1', token=<redacted>)"
    for auth in (basic, bearer, oauth):
        with pytest.raises(TypeError, match="holds a secret"):
            pickle.dumps(auth)
    recorder = Recorder()
    with client("server", recorder, auth=basic) as server:
        assert "s3cret" not in repr(server)
        assert "s3cret" not in repr(server.generated)


def test_the_client_can_come_from_the_environment() -> None:
    recorder = Recorder()
    env = {"JSM_BASE_URL": SITE, "JSM_FLAVOR": "server", "JSM_USER": "admin", "JSM_PASSWORD": "pw"}
    with jsm.Client.from_env(env, transport=httpx.MockTransport(recorder)) as from_env:
        assert from_env.flavor is Flavor.SERVER
        from_env.info()
    assert recorder.last.headers["Authorization"] == "Basic YWRtaW46cHc="
    from jsm.auth import credentials_from_env

    assert isinstance(credentials_from_env({"JSM_PAT": "pat"}), jsm.BearerToken)
    assert isinstance(credentials_from_env({"JSM_OAUTH_TOKEN": "t", "JSM_CLOUD_ID": "c"}), jsm.OAuth2)
    assert isinstance(credentials_from_env({"JSM_USER": "me@example.com", "JSM_API_TOKEN": "t"}), jsm.BasicAuth)
    assert credentials_from_env({}) is None
    with pytest.raises(jsm.ConfigurationError, match="JSM_CLOUD_ID is not"):
        credentials_from_env({"JSM_OAUTH_TOKEN": "t"})
    with pytest.raises(jsm.ConfigurationError, match="JSM_API_TOKEN \\(Cloud\\) or JSM_PASSWORD"):
        credentials_from_env({"JSM_USER": "me"})
    with pytest.raises(jsm.ConfigurationError, match="unknown flavor 'dc'"):
        jsm.Client(SITE, flavor="dc")


@pytest.mark.parametrize(
    ("failure", "kind"),
    [(httpx.ConnectError("connection refused"), jsm.ConnectionFailed), (httpx.ReadTimeout("slow"), jsm.TimedOut)],
)
def test_network_failures_are_facade_errors(failure: Exception, kind: type[jsm.JsmError]) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise failure

    with client("server", Recorder(fail)) as server, pytest.raises(kind, match=r"GET /servicedeskapi/servicedesk/\{"):
        server.service_desks.get(1)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from(
        ["https://example.atlassian.net", "http://127.0.0.1:8080/rest", "https://jira.example/j/rest"]
    ),
    path=st.one_of(
        st.text(max_size=40).map(lambda text: "/" + text),
        st.builds(
            lambda *parts: "/servicedeskapi/" + "/".join(parts),
            st.text(st.characters(codec="utf-8"), max_size=12),
            st.sampled_from(["1", "ITS-1", "%2F", "a b", "é", "?", "#", ".."]),
        ),
        st.sampled_from(["https://other.example/x", "//other.example/x", "relative/x", ""]),
    ),
)
def test_the_facade_joins_urls_exactly_as_httpx_does(base: str, path: str) -> None:
    from jsm.client import SiteClient

    ours, theirs = SiteClient(), httpx.Client()
    for client in (ours, theirs):
        client.base_url = httpx.URL(base)
    ours.site_prefix = str(ours.base_url).rstrip("/")
    try:
        expected: Any = theirs._merge_url(path)
    except Exception as exc:  # httpx refuses it: so must we
        with pytest.raises(type(exc)):
            ours._merge_url(path)
        return
    assert ours._merge_url(path) == expected
    assert str(ours._merge_url(path)) == str(expected)
