"""Instance-wide answers: `servicedeskapi/info`, Assets workspaces (Cloud), and the platform's myself/serverInfo."""

from __future__ import annotations

from starlette.responses import Response

from ..dates import date_dto, jira_datetime, now_ms
from ..paging import page
from ..render import platform_user
from ..routing import CLOUD, Call
from . import routes

BUILD_DATE = 1_730_419_200_000  # 2024-11-01
VERSIONS = {
    "server": ("11.3.0", "10.3.0", [10, 3, 0], 10030000),
    "cloud": ("1001.0.0", "1001.0.0-SNAPSHOT", [1001, 0, 0], 100268),
}


@routes.op("GET", "/servicedeskapi/info", anonymous=True)
def get_info(call: Call) -> Response:
    version, platform, _, _ = VERSIONS[call.site.flavor]
    return call.reply(
        {
            "version": version,
            "platformVersion": platform,
            "buildDate": date_dto(BUILD_DATE),
            "buildChangeSet": "6c4ac90e818c143ec31c218c5e3ec6e9fa2d0ebd",
            "isLicensedForUse": True,
            "_links": {"self": call.site.rest("/servicedeskapi")},
        }
    )


@routes.op("GET", "/api/2/serverInfo", anonymous=True)
def get_server_info(call: Call) -> Response:
    _, platform, numbers, build = VERSIONS[call.site.flavor]
    return call.reply(
        {
            "baseUrl": call.site.base_url,
            "version": platform,
            "versionNumbers": numbers,
            "deploymentType": "Cloud" if call.site.cloud else "Server",
            "buildNumber": build,
            "buildDate": jira_datetime(BUILD_DATE),
            "serverTime": jira_datetime(now_ms()),
            "scmInfo": "6c4ac90e818c143ec31c218c5e3ec6e9fa2d0ebd",
            "serverTitle": "Mock JSM",
        }
    )


@routes.op("GET", "/api/2/myself")
def get_myself(call: Call) -> Response:
    me, site = call.me, call.site
    body = platform_user(site, me)
    if not site.cloud:
        groups = {"admin": ["jira-administrators", "jira-servicedesk-users"], "agent": ["jira-servicedesk-users"]}
        names = groups.get(me.role, [])
        body |= {
            "groups": {"size": len(names), "items": [{"name": n} for n in names], "max-results": 50},
            "applicationRoles": {"size": 0, "items": [], "max-results": 50},
            "expand": "groups,applicationRoles",
        }
    return call.reply(body)


WORKSPACE_ID = "2c6f5a8e-3d4b-4f7a-9c1e-0b8d7e6f5a4c"


@routes.op("GET", "/servicedeskapi/assets/workspace", flavors=CLOUD)
def get_assets_workspaces(call: Call) -> Response:
    return call.reply(page(call, [WORKSPACE_ID], lambda w: {"workspaceId": w}))


@routes.op("GET", "/servicedeskapi/insight/workspace", flavors=CLOUD)
def get_insight_workspaces(call: Call) -> Response:
    return call.reply(page(call, [WORKSPACE_ID], lambda w: {"workspaceId": w}))
