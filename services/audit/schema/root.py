"""Root fields of the audit subgraph: a record's and a community's trail, and the chain check."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Self, TypeVar

import strawberry
from strawberry.types import Info

from services.audit.domain import AuditEntry
from services.audit.domain.sealing import ACTOR, slot
from services.audit.handlers import AuditHandlers
from services.audit.schema.context import AuditContext
from services.common.domain import DomainError
from services.common.graphql.errors import public_error
from services.common.identity import Principal
from services.common.privacy import ANONYMISED

__all__ = ["Query"]

T = TypeVar("T")


@strawberry.type(description="One field's old and new value, as JSON.")
class AuditChange:
    field: str = strawberry.field(description="The field (snake_case, as the event names it).")
    old_value: str | None = strawberry.field(description="Its value before, as JSON; null if it had none (the record was created).")
    new_value: str | None = strawberry.field(description='Its value after, as JSON; `"***"` when it is personal data you may not see.')
    erased: bool = strawberry.field(
        description="Its personal value (old, new or both) was erased (个人信息保护法): null to everyone, staff included; the hash still holds."
    )


@strawberry.type(description="One change to one record: who, when, from what to what, chained to the previous entry by its hash.")
class AuditEntryType:
    seq: int = strawberry.field(description="Position in the community's chain (1, 2, …).")
    record_type: str = strawberry.field(description="Need, ServiceItem, Claim, IntentionMeeting, Organization, Community, …")
    record_id: strawberry.ID = strawberry.field(description="The record changed.")
    event_type: str = strawberry.field(description="The domain event the change was announced by (its routing key).")
    actor: str | None = strawberry.field(
        description="Who made it (account id); `***` unless you are the community's staff; `已匿名` to everyone once erased."
    )
    actor_erased: bool = strawberry.field(description="Who made it was erased (her request, or the retention period).")
    erased: bool = strawberry.field(description="Some personal value of this entry was erased (the hash still holds: it covers digests).")
    at: datetime = strawberry.field(description="When.")
    changes: list[AuditChange] = strawberry.field(description="Each field's old and new value.")
    previous_hash: str = strawberry.field(description="The previous entry's hash (64 zeros for the first).")
    hash: str = strawberry.field(description="SHA-256 over this entry's content and the previous hash.")

    @classmethod
    def of(cls, entry: AuditEntry) -> Self:
        """From the domain (an erased value is null, an erased actor ``已匿名``, whoever reads)."""
        actor_erased = entry.erased(ACTOR)
        return cls(
            seq=entry.seq,
            record_type=entry.record_type,
            record_id=strawberry.ID(entry.record_id),
            event_type=entry.event_type,
            actor=ANONYMISED if actor_erased else entry.actor,
            actor_erased=actor_erased,
            erased=any(sealed.erased for sealed in entry.sealed.values()),
            at=entry.at,
            changes=[
                AuditChange(
                    field=c.field,
                    old_value=None if entry.erased(slot(i, "old")) else _json(c.old),
                    new_value=None if entry.erased(slot(i, "new")) else _json(c.new),
                    erased=entry.erased(slot(i, "old")) or entry.erased(slot(i, "new")),
                )
                for i, c in enumerate(entry.changes)
            ],
            previous_hash=entry.previous_hash,
            hash=entry.hash,
        )


@strawberry.type(description="The outcome of recomputing a community's audit chain.")
class AuditChainCheck:
    valid: bool = strawberry.field(description="No entry was altered, removed or reordered.")
    checked: int = strawberry.field(description="Entries that hold, from the first.")
    broken_at_seq: int | None = strawberry.field(description="The first entry that does not hold; null when valid.")
    head_hash: str = strawberry.field(description="The hash of the last entry that holds.")


@strawberry.type(description="The audit trail (审计留痕): every change to every record.")
class Query:
    @strawberry.field(description="A record's changes, oldest first (personal values masked unless you are its community's staff).")
    async def audit_trail(
        self, info: Info[AuditContext, None], record_id: strawberry.ID, first: int = 100, after_seq: int = 0
    ) -> list[AuditEntryType]:
        entries = await _run(info, lambda h, p: h.record_trail(p, str(record_id), after_seq=after_seq, first=first))
        return [AuditEntryType.of(entry) for entry in entries]

    @strawberry.field(description="A community's changes in chain order, after `afterSeq`.")
    async def community_audit_trail(
        self, info: Info[AuditContext, None], community_id: strawberry.ID, first: int = 100, after_seq: int = 0
    ) -> list[AuditEntryType]:
        entries = await _run(info, lambda h, p: h.community_trail(p, str(community_id), after_seq=after_seq, first=first))
        return [AuditEntryType.of(entry) for entry in entries]

    @strawberry.field(description="Recompute a community's whole chain: is any entry altered, removed or reordered?")
    async def verify_audit_chain(self, info: Info[AuditContext, None], community_id: strawberry.ID) -> AuditChainCheck:
        check = await _run(info, lambda h, p: h.check_chain(p, str(community_id)))
        return AuditChainCheck(valid=check.valid, checked=check.checked, broken_at_seq=check.broken_at, head_hash=check.head_hash)


async def _run(info: Info[AuditContext, None], action: Callable[[AuditHandlers, Principal], Awaitable[T]]) -> T:
    principal = info.context.require_principal()
    try:
        return await action(info.context.use_cases, principal)
    except DomainError as error:
        raise public_error(error) from error


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)
