"""Queries, mutations and the subscription of the notices subgraph: always about the caller's own notices."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Self

import strawberry
from strawberry.types import Info

from services.common.domain import DomainError
from services.common.graphql.errors import UserError, public_error
from services.common.graphql.mutations import attempt
from services.common.graphql.pagination import Connection, connection
from services.notices.domain import Channel, NoticeKind, Preferences
from services.notices.schema.context import NoticesContext
from services.notices.schema.types import NoticePreferencesType, NoticeType

__all__ = ["Mutation", "Query", "Subscription"]

POLL_S = 2.0


@strawberry.type(description="Read your notices (通知).")
class Query:
    @strawberry.field(description="Your notices in your communities, newest first; `unreadOnly` for the unread ones.")
    async def my_notices(
        self, info: Info[NoticesContext, None], unread_only: bool = False, first: int = 20, after: str | None = None
    ) -> Connection[NoticeType]:
        principal = info.context.require_principal()
        handlers = info.context.use_cases
        communities = await handlers.communities(principal)
        try:
            notices, page = await handlers.store.list_notices(
                principal.subject, communities, unread_only=unread_only, first=first, after=after
            )
        except DomainError as error:
            raise public_error(error) from error

        async def count() -> int:
            return await handlers.store.count_notices(principal.subject, communities, unread_only=unread_only)

        return connection([NoticeType.from_domain(notice) for notice in notices], page, after=after, count=count)

    @strawberry.field(description="How many of your notices are unread.")
    async def my_unread_notice_count(self, info: Info[NoticesContext, None]) -> int:
        return await info.context.use_cases.unread(info.context.require_principal())

    @strawberry.field(description="Your notice preferences.")
    async def my_notice_preferences(self, info: Info[NoticesContext, None]) -> NoticePreferencesType:
        principal = info.context.require_principal()
        return NoticePreferencesType.from_domain(await info.context.use_cases.store.person_preferences(principal.subject))


@strawberry.input(description="Mark notices read.")
class MarkNoticesReadInput:
    notice_ids: list[strawberry.ID] | None = strawberry.field(default=None, description="The notices; leave out to mark every unread one.")


@strawberry.type(description="Result of markNoticesRead.")
class MarkNoticesReadPayload:
    marked: int = strawberry.field(description="How many notices changed from unread to read.")
    unread_count: int | None = strawberry.field(description="Your unread notices now; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")


@strawberry.input(description="Change your notice preferences; fields left out keep their value.")
class SetNoticePreferencesInput:
    muted_kinds: list[NoticeKind] | None = strawberry.field(default=None, description="Kinds not to receive (replaces the list).")
    channels: list[Channel] | None = strawberry.field(default=None, description="Channels to use besides the inbox (replaces the list).")
    phone: str | None = strawberry.field(default=None, description="Phone for SMS; empty string clears it.")
    wechat_openid: str | None = strawberry.field(default=None, description="WeChat openid; empty string clears it.")
    webhook_url: str | None = strawberry.field(default=None, description="http(s) URL for signed notices; empty string clears it.")


@strawberry.type(description="Result of setNoticePreferences.")
class SetNoticePreferencesPayload:
    preferences: NoticePreferencesType | None = strawberry.field(description="Your preferences after the change; null if nothing changed.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty on success.")

    @classmethod
    def of(cls, result: tuple[Preferences | None, list[UserError]]) -> Self:
        """From an :func:`attempt` result."""
        preferences, errors = result
        return cls(preferences=NoticePreferencesType.from_domain(preferences) if preferences else None, errors=errors)


@strawberry.type(description="Change your own notices and preferences.")
class Mutation:
    @strawberry.mutation(description="Mark your notices read (those named, or all).")
    async def mark_notices_read(self, info: Info[NoticesContext, None], input: MarkNoticesReadInput) -> MarkNoticesReadPayload:
        principal = info.context.require_principal()
        handlers = info.context.use_cases
        ids = [str(notice_id) for notice_id in input.notice_ids] if input.notice_ids is not None else None
        marked, errors = await attempt(lambda: handlers.mark_read(principal, ids))
        if errors:
            return MarkNoticesReadPayload(marked=0, unread_count=None, errors=errors)
        return MarkNoticesReadPayload(marked=marked or 0, unread_count=await handlers.unread(principal), errors=[])

    @strawberry.mutation(description="Choose which notices you receive and where.")
    async def set_notice_preferences(
        self, info: Info[NoticesContext, None], input: SetNoticePreferencesInput
    ) -> SetNoticePreferencesPayload:
        principal = info.context.require_principal()
        return SetNoticePreferencesPayload.of(
            await attempt(
                lambda: info.context.use_cases.set_preferences(
                    principal,
                    muted_kinds=input.muted_kinds,
                    channels=input.channels,
                    phone=input.phone,
                    wechat_openid=input.wechat_openid,
                    webhook_url=input.webhook_url,
                )
            )
        )


@strawberry.type(description="Your new notices as they arrive.")
class Subscription:
    @strawberry.subscription(
        description="Each new notice to you as it is made; with `since`, first those made since then (none missed in between)."
    )
    async def notice_received(self, info: Info[NoticesContext, None], since: datetime | None = None) -> AsyncGenerator[NoticeType, None]:
        principal = info.context.require_principal()
        handlers = info.context.use_cases
        cursor = since or handlers.now()
        sent: set[str] = set()
        while True:
            notices = await handlers.store.notices_since(principal.subject, await handlers.communities(principal), cursor)
            fresh = [notice for notice in notices if notice.id not in sent]
            for notice in fresh:
                yield NoticeType.from_domain(notice)
            if notices:
                cursor = notices[-1].created_at
                sent = {notice.id for notice in notices if notice.created_at == cursor}
            if not fresh:
                await handlers.signal.wait(POLL_S)
