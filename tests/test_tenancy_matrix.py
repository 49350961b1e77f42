"""Tenancy matrix through the gateway: every mutation × every kind of outsider, against 左安浦园's data.

The demo district is loaded; callers belong to the neighbouring community 龙潭西里 (staff, a
resident, an organization leader, a partner) or administer another district. Each of them tries
every mutation of the graph on 左安浦园's needs, items, claims, meetings, organizations, places and
its partner's webhook. Every cell must be refused (FORBIDDEN or NOT_FOUND, never done), and
左安浦园's data must be exactly as before. A mutation added to the graph without a row here fails
the test.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest

from services.common.bus.memory import InProcessBus
from services.common.identity import Role, mint_token
from services.common.settings import Settings
from services.common.store.memory import MemoryServer
from services.demo import DISTRICT, HOME, demo_organization_id, load_demo
from services.demo.places import NEIGHBOUR
from tests.support import GraphQLClient, fast_settings, running, running_gateway
from tests.test_full_cycle import FACTORIES

REFUSED = {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"}
ORG = demo_organization_id("夕阳天使志愿服务队")
ITEM_CONTENT = {
    "kind": "ACTIVITY", "category": "BLUE_GUARD", "title": "越权创建", "schedule": {"startsOn": "2027-01-01", "endsOn": "2027-02-01"},
    "budget": [{"fundSource": "PARTY_SERVICE_FUND", "amountFen": 100}], "eligibleClaimantKinds": ["RESIDENT"],
    "claimWindow": {"opensAt": "2026-12-01T00:00:00+08:00", "closesAt": "2026-12-31T00:00:00+08:00"},
}  # fmt: skip
APPLICATION = {"name": "越权申请", "purpose": "PUBLIC_WELFARE", "foundedOn": "2026-01-01", "leader": {"name": "某人"}}
SNAPSHOT = f"""{{
  needs(first: 100, filter: {{communityIds: ["{HOME}"]}}) {{ totalCount edges {{ node {{ id status category supportCount }} }} }}
  serviceItems(first: 100, filter: {{communityIds: ["{HOME}"]}}) {{ totalCount edges {{ node {{ id status title }} }} }}
  claims(first: 100) {{ totalCount edges {{ node {{ id status progressReports {{ percent }} disbursed {{ amountFen }} supervisions {{ id }} }} }} }}
  meetings {{ edges {{ node {{ id status }} }} }}
  organization(id: "{ORG}") {{ name stage status members {{ id }} managementGroup {{ id }} leader {{ id }} }}
  community(id: "{HOME}") {{ name organizations(first: 100) {{ totalCount }} }}
}}"""


def cells(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """One input per mutation, each aimed at 左安浦园 (or its partner's webhook)."""
    need, item, claim, meeting, member = ids["need"], ids["item"], ids["claim"], ids["meeting"], ids["member"]
    endpoint = {"endpointId": ids["endpoint"]}
    return {
        "submitNeed": {"communityId": HOME, "title": "越权提交"},
        "supportNeed": {"needId": need},
        "withdrawSupport": {"needId": need},
        "reviseNeed": {"needId": need, "title": "越权修改"},
        "withdrawNeed": {"needId": need, "reason": "越权"},
        "startNeedReview": {"needId": need},
        "classifyNeed": {"needId": need, "category": "RED_CLASSROOM", "targetGroups": ["CHILDREN"]},
        "acceptNeed": {"needId": need},
        "rejectNeed": {"needId": need, "reason": "越权"},
        "mergeNeed": {"needId": need, "intoNeedId": ids["need2"]},
        "createServiceItem": {"communityId": HOME, "needIds": [need], **ITEM_CONTENT},
        "reviseServiceItem": {"itemId": ids["draft_item"], **ITEM_CONTENT},
        "publishServiceItem": {"itemId": ids["draft_item"]},
        "reopenServiceItem": {"itemId": item, "claimWindowClosesAt": "2027-01-01T00:00:00+08:00"},
        "cancelServiceItem": {"itemId": item, "reason": "越权"},
        "submitClaim": {"itemId": item, "proposal": {"plan": "越权认领"}},
        "withdrawClaim": {"claimId": claim},
        "shortlistClaim": {"claimId": claim},
        "decideClaim": {"meetingId": meeting, "claimId": claim, "outcome": "APPROVED", "reason": "越权"},
        "recordTraining": {"claimId": claim, "on": "2026-11-20", "topic": "越权"},
        "startImplementation": {"claimId": claim},
        "recordSupervision": {"claimId": claim, "on": "2026-11-20", "findings": "越权"},
        "recordRectification": {"claimId": claim, "visitId": "v1", "rectifiedOn": "2026-11-20"},
        "reportProgress": {"claimId": claim, "percent": 99, "narrative": "越权"},
        "recordDisbursement": {"claimId": claim, "line": {"fundSource": "PARTY_SERVICE_FUND", "amountFen": 1}, "on": "2026-11-20"},
        "completeProject": {"claimId": claim},
        "evaluateProject": {"claimId": claim, "summary": "越权", "rubric": dict.fromkeys(
            ("goalAchievement", "residentSatisfaction", "budgetUse", "organizationalGrowth", "innovation"), 1)},
        "rateProject": {"claimId": claim, "score": 1},
        "terminateClaim": {"claimId": claim, "reason": "越权"},
        "scheduleMeeting": {"communityId": HOME, "scheduledAt": "2026-12-01T19:00:00+08:00", "venue": "x", "agenda": [item]},
        "replanMeeting": {"meetingId": meeting, "scheduledAt": "2026-12-01T19:00:00+08:00", "venue": "x", "agenda": [item]},
        "concludeMeeting": {"meetingId": meeting, "minutes": "越权"},
        "cancelMeeting": {"meetingId": meeting, "reason": "越权"},
        "registerDistrict": {"id": DISTRICT, "name": "越权区"},
        "registerStreet": {"id": "street-longtan", "districtId": DISTRICT, "name": "越权街道"},
        "registerCommunity": {"id": HOME, "streetId": "street-longtan", "name": "越权社区"},
        "registerOrganization": {"communityId": HOME, "kind": "SOCIAL_ORGANIZATION", "name": "越权队", "purpose": "PUBLIC_WELFARE",
                                 "foundedOn": "2020-01-01", "leader": {"name": "某人"}},
        "updateOrganizationProfile": {"organizationId": ORG, "name": "越权改名", "purpose": "PUBLIC_WELFARE"},
        "addOrganizationMember": {"organizationId": ORG, "member": {"name": "越权成员"}},
        "removeOrganizationMember": {"organizationId": ORG, "memberId": member},
        "changeOrganizationLeader": {"organizationId": ORG, "memberId": member, "on": "2026-11-20"},
        "setOrganizationManagementGroup": {"organizationId": ORG, "memberIds": [member]},
        "changeOrganizationStage": {"organizationId": ORG, "stage": "SOCIALIZED_PUBLIC_WELFARE", "reason": "越权"},
        "changeOrganizationStatus": {"organizationId": ORG, "action": "SUSPEND", "effectiveOn": "2026-11-20", "reason": "越权"},
        "recordOrganizationSupport": {"organizationId": ORG, "kind": "VENUE", "on": "2026-11-20"},
        "requestCommunityService": {"organizationId": ORG, "communityId": NEIGHBOUR},
        "acceptCommunityService": {"organizationId": ORG, "communityId": NEIGHBOUR},
        "declineCommunityService": {"organizationId": ORG, "communityId": NEIGHBOUR, "reason": "越权"},
        "endCommunityService": {"organizationId": ORG, "communityId": HOME, "reason": "越权"},
        "applyForOrganization": {"communityId": HOME, **APPLICATION},
        "approveOrganizationApplication": {"applicationId": ids["application"]},
        "returnOrganizationApplication": {"applicationId": ids["application"], "reason": "越权"},
        "resubmitOrganizationApplication": {"applicationId": ids["application"], **APPLICATION},
        "withdrawOrganizationApplication": {"applicationId": ids["application"]},
        "registerWebhook": {"url": "https://outsider.example/hook", "communities": [HOME]},
        "updateWebhook": {**endpoint, "url": "https://outsider.example/stolen"},
        "pauseWebhook": endpoint,
        "resumeWebhook": endpoint,
        "rotateWebhookSecret": endpoint,
        "renewWebhook": endpoint,
        "revokeWebhookAccess": {"endpointId": ids["endpoint2"], "communityId": HOME},
        "deleteWebhook": endpoint,
        "redeliverWebhook": {"deliveryId": ids["delivery"]},
        "setDisclosurePeriod": {"districtId": DISTRICT, "days": 1},
        "requestEvidenceUpload": {"recordId": claim, "kind": "PHOTO", "filename": "越权.jpg"},
        "markNoticesRead": {"noticeIds": ["notice-of-home"]},
        "scheduleActivitySessions": {"itemId": item, "startsAt": "2027-03-08T09:00:00+08:00", "durationMinutes": 60, "venue": "x",
                                     "capacity": 5},
        "signUpForSession": {"sessionId": ids["session"]},
        "withdrawFromSession": {"sessionId": ids["session"]},
        "moveActivitySession": {"sessionId": ids["session"], "startsAt": "2027-03-02T09:00:00+08:00"},
        "issueCheckInCode": {"sessionId": ids["session"]},
        "checkIn": {"sessionId": ids["session"], "code": "00000000"},
        "checkOut": {"sessionId": ids["session"], "code": "00000000"},
        "recordAttendance": {"sessionId": ids["session"], "personId": "p1", "checkedInAt": "2027-03-02T09:00:00+08:00",
                             "checkedOutAt": "2027-03-02T10:00:00+08:00"},
        "confirmAttendance": {"sessionId": ids["session"]},
        "cancelActivitySession": {"sessionId": ids["session"], "reason": "越权"},
        "registerVolunteer": {"communityId": HOME, "realName": "越权", "displayName": "越权"},
        "issueVolunteerCertificate": {"communityId": HOME, "periodFrom": "2026-01-01", "periodTo": "2026-12-31"},
        "setNoticePreferences": {"mutedKinds": ["NEED_ACCEPTED"]},
        "requestPersonalDataErasure": {"communityId": HOME},
        "exportMyPersonalData": {"communityId": HOME},
        "setRetentionPeriod": {"districtId": DISTRICT, "days": 1},
        "rebuildNeedStatistics": {"districtId": DISTRICT},
        "rebuildClaimStatistics": {"districtId": DISTRICT},
        "rebuildOrganizationStats": {"districtId": DISTRICT},
    }  # fmt: skip


# Mutations of the caller's own records only (there is nothing of another community to reach):
# their rows check that they change nothing of 左安浦园 (the snapshot), not that they are refused.
SELF_ONLY = {"setNoticePreferences"}


OUTSIDERS: dict[str, dict[str, Any]] = {
    "neighbour staff": {"roles": [Role.COMMUNITY_STAFF], "communities": [NEIGHBOUR]},
    "neighbour resident": {"roles": [Role.RESIDENT], "communities": [NEIGHBOUR]},
    "neighbour organization leader": {"roles": [Role.ORG_LEADER], "communities": [NEIGHBOUR], "organization": "org-of-the-neighbour"},
    "neighbour partner": {"roles": [Role.PARTNER], "communities": [NEIGHBOUR]},
    "another district's admin": {"roles": [Role.DISTRICT_ADMIN], "districts": ["district-elsewhere"]},
    "anyone (the public, no token)": {},
}


class Graph:
    """The gateway over the four services with the demo loaded."""

    def __init__(self, settings: Settings, client: GraphQLClient, services: dict[str, GraphQLClient]) -> None:
        self.settings, self.client, self.services = settings, client, services

    def token(self, subject: str, **claims: Any) -> str:
        return mint_token(self.settings, subject=subject, **claims)


@pytest.fixture
async def graph() -> AsyncIterator[Graph]:
    settings = fast_settings(webhook_allow_private=True)
    bus, memory = InProcessBus(), MemoryServer()
    apps = {name: factory(settings, bus=bus, memory=memory) for name, factory in FACTORIES.items()}
    async with AsyncExitStack() as stack:
        services = {name: await stack.enter_async_context(running(app)) for name, app in apps.items()}
        await load_demo(apps["orgs"].state.handlers, apps["needs"].state.handlers, apps["claims"].state.handlers)
        for app in apps.values():
            await app.state.relay.run_once()
        await bus.drain()
        yield Graph(settings, await stack.enter_async_context(running_gateway(apps, settings)), services)
    await bus.close()


async def _targets(graph: Graph, admin: str) -> dict[str, str]:
    data = await graph.client.data(SNAPSHOT, as_=admin)
    needs = [edge["node"]["id"] for edge in data["needs"]["edges"]]
    items = {edge["node"]["status"]: edge["node"]["id"] for edge in data["serviceItems"]["edges"]}
    claims = {edge["node"]["status"]: edge["node"]["id"] for edge in data["claims"]["edges"]}
    partner = graph.token("partner-home", roles=[Role.PARTNER], communities=[HOME])
    hook = await graph.client.data(
        'mutation { registerWebhook(input: {url: "http://127.0.0.1:9/hook"}) { endpoint { id } errors { message } } }', as_=partner
    )
    second = await graph.client.data(
        'mutation { registerWebhook(input: {url: "http://127.0.0.1:9/other"}) { endpoint { id } errors { message } } }', as_=partner
    )
    applied = await graph.client.data(
        "mutation($i: ApplyForOrganizationInput!) { applyForOrganization(input: $i) { application { id } errors { message } } }",
        {
            "i": {
                "communityId": HOME,
                "name": "银发编织社",
                "purpose": "MUTUAL_BENEFIT",
                "foundedOn": "2026-03-01",
                "leader": {"name": "冯淑芳"},
            }
        },
        as_=graph.token("resident-applicant", roles=[Role.RESIDENT], communities=[HOME]),
    )
    return {
        "application": applied["applyForOrganization"]["application"]["id"],
        "need": needs[0],
        "need2": needs[1],
        "item": items["PUBLISHED"],
        "draft_item": items["DRAFT"],
        "claim": claims["IMPLEMENTING"],
        "meeting": data["meetings"]["edges"][0]["node"]["id"],
        "member": data["organization"]["members"][-1]["id"],
        "endpoint": hook["registerWebhook"]["endpoint"]["id"],
        "endpoint2": second["registerWebhook"]["endpoint"]["id"],
        "delivery": "delivery-of-home",
        "session": await _home_session(graph, items["PUBLISHED"]),
    }


async def _home_session(graph: Graph, item_id: str) -> str:
    """A session of 左安浦园's published activity, planned by its staff (the people service's target)."""
    staff = graph.token("staff-home", roles=[Role.COMMUNITY_STAFF], communities=[HOME])
    planned = await graph.client.data(
        "mutation($i: ScheduleActivitySessionsInput!) { scheduleActivitySessions(input: $i) { sessions { id } errors { message } } }",
        {"i": {"itemId": item_id, "startsAt": "2027-03-01T09:00:00+08:00", "durationMinutes": 60, "venue": "活动室", "capacity": 10}},
        as_=staff,
    )
    session_id: str = planned["scheduleActivitySessions"]["sessions"][0]["id"]
    return session_id


async def _attempt_all(
    graph: Graph, who: str, claims: dict[str, Any], matrix: dict[str, dict[str, Any]]
) -> list[tuple[str, dict[str, Any]]]:
    """Every mutation of the matrix, sent by ``who``: (mutation, response body)."""
    caller = graph.token(re.sub(r"\W", "-", who), **claims) if claims else None
    answers = []
    for name, input in matrix.items():
        type_name = name[0].upper() + name[1:] + "Input"
        body = await graph.client.post(
            f"mutation($i: {type_name}!) {{ {name}(input: $i) {{ errors {{ code field message }} }} }}", {"i": input}, as_=caller
        )
        answers.append((name, body))
    return answers


def _not_refused(name: str, body: dict[str, Any]) -> bool:
    """Done, or refused for a reason other than who is asking."""
    codes = _refusal(name, body)
    return not codes or not codes <= REFUSED


def _refusal(name: str, body: dict[str, Any]) -> set[str]:
    """The codes a mutation answered with (request errors or its payload's typed errors)."""
    if body.get("errors"):
        return {error.get("extensions", {}).get("code", "") for error in body["errors"]}
    payload = body["data"][name]
    return {error["code"] for error in payload["errors"]}


async def test_no_outsider_changes_anything_of_another_community_by_any_mutation(graph: Graph) -> None:
    admin = graph.token("admin-home", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    ids = await _targets(graph, admin)
    matrix = cells(ids)
    schema_mutations = {
        field["name"]
        for field in (await graph.client.data("{ __schema { mutationType { fields { name } } } }"))["__schema"]["mutationType"]["fields"]
    }
    assert set(matrix) == schema_mutations, "every mutation of the graph needs a row in the matrix"
    before = await graph.client.data(SNAPSHOT, as_=admin)

    failures, checked = [], 0
    for outsider, claims in OUTSIDERS.items():
        for name, body in await _attempt_all(graph, outsider, claims, matrix):
            checked += 1
            if name not in SELF_ONLY and _not_refused(name, body):
                failures.append((outsider, name, body))
    after = await graph.client.data(SNAPSHOT, as_=admin)

    print(f"tenancy matrix: {checked} cells ({len(OUTSIDERS)} outsiders × {len(matrix)} mutations), {len(failures)} not refused")
    assert failures == []
    assert after == before


PUBLIC_QUERIES = {
    "districts",
    "street",
    "publicNotice",
    "publicNoticeRollup",
    "disclosurePeriod",
    "verifyVolunteerCertificate",
}  # places' names, the 公示 and a certificate's code: the same for everyone
INSIDERS: dict[str, dict[str, Any]] = {
    "home staff": {"roles": [Role.COMMUNITY_STAFF], "communities": [HOME]},
    "home organization leader": {"roles": [Role.ORG_LEADER], "communities": [HOME], "organization": ORG},
    "home resident": {"roles": [Role.RESIDENT], "communities": [HOME]},
    "partner-home": {"roles": [Role.PARTNER], "communities": [HOME]},
    "the district's admin": {"roles": [Role.DISTRICT_ADMIN], "districts": [DISTRICT]},
}


async def test_the_matrix_cells_are_real_attempts_that_an_insider_gets_past_the_access_check(graph: Graph) -> None:
    """The control: the same inputs from 左安浦园's own people are not refused for tenancy, so the refusals above are."""
    admin = graph.token("admin-home", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    matrix = cells(await _targets(graph, admin))
    reached: set[str] = set()
    for insider, claims in INSIDERS.items():
        reached |= {name for name, body in await _attempt_all(graph, insider, claims, matrix) if _not_refused(name, body)}

    # redeliverWebhook and markNoticesRead: their delivery and notice ids are made up, NOT_FOUND for everyone;
    # reviseNeed and withdrawNeed: only the need's own submitter may (tests/test_residents_own.py), none of these insiders;
    # resubmit/withdrawOrganizationApplication: only the applicant may, none of these insiders
    only_their_author = {"reviseNeed", "withdrawNeed", "resubmitOrganizationApplication", "withdrawOrganizationApplication"}
    assert set(matrix) - reached == {"redeliverWebhook", "markNoticesRead", *only_their_author}


async def test_no_outsider_reads_another_communitys_records_by_any_query(graph: Graph) -> None:
    admin = graph.token("admin-home", roles=[Role.DISTRICT_ADMIN], districts=[DISTRICT])
    ids = await _targets(graph, admin)
    home = await graph.client.data(SNAPSHOT, as_=admin)
    secrets = {ORG, ids["application"], ids["session"]} | {
        edge["node"]["id"] for key in ("needs", "serviceItems", "claims", "meetings") for edge in home[key]["edges"]
    }
    secrets |= {ids["endpoint"], ids["endpoint2"]}  # who follows the community (webhooksFollowing) is for its staff
    queries = [
        f'{{ need(id: "{ids["need"]}") {{ id title }} }}',
        "{ needs(first: 100) { totalCount edges { node { id } } } }",
        f'{{ needs(first: 100, filter: {{communityIds: ["{HOME}"]}}) {{ edges {{ node {{ id }} }} }} }}',
        f'{{ serviceItem(id: "{ids["item"]}") {{ id title }} }}',
        "{ serviceItems(first: 100) { edges { node { id } } } }",
        f'{{ serviceItems(first: 100, filter: {{communityIds: ["{HOME}"]}}) {{ edges {{ node {{ id }} }} }} }}',
        f'{{ claim(id: "{ids["claim"]}") {{ id status }} }}',
        "{ claims(first: 100) { edges { node { id } } } }",
        f'{{ meeting(id: "{ids["meeting"]}") {{ id minutes }} }}',
        "{ meetings { edges { node { id } } } }",
        f'{{ organization(id: "{ORG}") {{ id name members {{ name phone }} }} }}',
        "{ organizations(first: 100) { edges { node { id } } } }",
        f'{{ community(id: "{HOME}") {{ needStats {{ total }} }} }}',
        f'{{ district(id: "{DISTRICT}") {{ needStats {{ total }} claimStats {{ total }} }} }}',
        "{ webhooks { id url } }",
        f'{{ webhooksFollowing(communityId: "{HOME}") {{ id owner }} }}',
        "{ events(first: 100) { edges { node { subject data community } } } }",
        "{ deadLetters { eventId data } }",
        "{ myNeeds { totalCount edges { node { id } } } }",
        "{ mySupports { totalCount edges { node { id } } } }",
        "{ myClaims { totalCount edges { node { id } } } }",
        "{ myRatings { score claim { id } } }",
        f'{{ organizationApplications(communityId: "{HOME}") {{ id name }} }}',
        "{ myOrganizationApplications { id name } }",
        f'{{ auditTrail(recordId: "{ORG}") {{ actor changes {{ field newValue }} }} }}',
        f'{{ communityAuditTrail(communityId: "{HOME}") {{ recordId actor }} }}',
        f'{{ verifyAuditChain(communityId: "{HOME}") {{ valid checked }} }}',
        f'{{ evidenceOf(recordId: "{ids["claim"]}") {{ id url recordId }} }}',
        f'{{ disbursementsWithoutReceipt(communityId: "{HOME}") {{ disbursementId claimId }} }}',
        "{ myNotices(first: 100) { totalCount edges { node { id subjectId body } } } }",
        "{ myUnreadNoticeCount }",
        "{ myNoticePreferences { phone webhookUrl } }",
        f'{{ activitySessions(itemId: "{ids["item"]}") {{ totalCount edges {{ node {{ id }} }} }} }}',
        f'{{ activitySession(id: "{ids["session"]}") {{ id confirmedPeople }} }}',
        f'{{ sessionAttendance(sessionId: "{ids["session"]}") {{ personId }} }}',
        f'{{ volunteers(communityId: "{HOME}") {{ totalCount edges {{ node {{ realName }} }} }} }}',
        f'{{ volunteerHours(communityId: "{HOME}", periodFrom: "2026-01-01", periodTo: "2026-12-31") {{ minutes }} }}',
        f'{{ claimVolunteerHours(claimId: "{ids["claim"]}") {{ minutes people {{ personId }} }} }}',
        f'{{ volunteerHoursExport(communityId: "{HOME}", periodFrom: "2026-01-01", periodTo: "2026-12-31") }}',
        f'{{ similarNeeds(communityId: "{HOME}", text: "老人") {{ needId title }} }}',
        f'{{ suggestedClaimants(itemId: "{ids["item"]}") {{ id name reasons }} }}',
        f'{{ suggestedItems(organizationId: "{ORG}") {{ id name reasons }} }}',
    ]
    fields = (await graph.client.data("{ __schema { queryType { fields { name } } } }"))["__schema"]["queryType"]["fields"]
    covered = {re.match(r"\{ (\w+)", query)[1] for query in queries}  # type: ignore[index]
    assert {field["name"] for field in fields} - covered == PUBLIC_QUERIES, "every query of the graph needs a cell"
    entities = {  # straight to the subgraphs, as the router would ask them
        "needs": f'{{ _entities(representations: [{{__typename: "Need", id: "{ids["need"]}"}}, {{__typename: "ServiceItem", id: "{ids["item"]}"}}]) {{ ... on Need {{ id title }} ... on ServiceItem {{ id title }} }} }}',
        "claims": f'{{ _entities(representations: [{{__typename: "Claim", id: "{ids["claim"]}"}}, {{__typename: "ServiceItem", id: "{ids["item"]}"}}]) {{ ... on Claim {{ id }} ... on ServiceItem {{ claims {{ id }} }} }} }}',
        "orgs": f'{{ _entities(representations: [{{__typename: "Organization", id: "{ORG}"}}]) {{ ... on Organization {{ id name }} }} }}',
    }  # fmt: skip
    leaks, checked = [], 0
    for outsider, claims in OUTSIDERS.items():
        caller = graph.token(re.sub(r"\W", "-", outsider), **claims) if claims else None
        headers = {"authorization": f"Bearer {caller}"} if caller else {}
        targets = [(graph.client, query) for query in queries] + [(graph.services[name], query) for name, query in entities.items()]
        for client, query in targets:
            text = (await client.http.post("/graphql", json={"query": query}, headers=headers)).text
            checked += 1
            found = [secret for secret in secrets if secret in text]
            totals = [int(total) for total in re.findall(r'"total": ?(\d+)', text)]
            if found or any(totals):
                leaks.append((outsider, query, found, text[:300]))

    revealing = 0  # the control: the same queries do show these records to the district's own administrator
    for query in queries:
        text = (await graph.client.http.post("/graphql", json={"query": query}, headers={"authorization": f"Bearer {admin}"})).text
        revealing += any(secret in text for secret in secrets)

    print(f"tenancy matrix (queries): {checked} cells, {len(leaks)} leaks; {revealing} of {len(queries)} reveal them to an insider")
    assert leaks == []
    assert revealing >= 11
