"""The events service's graphql-transport-ws handler: shared live frames, and subscriptions authorized one by one.

Strawberry's handler, with two additions:

- Each operation's task knows who it is (:data:`~services.events.schema.frames.LIVE`), so that
  the events subscription sends frames rendered once for every subscriber of the same selection
  and visibility class (:mod:`services.events.schema.frames`).
- A ``subscribe`` may carry its own token, ``payload.extensions.authorization`` (``Bearer …``):
  the operation then runs as that token's caller, checked here like any token — not as the
  connection's. This is what lets the gateway carry the subscriptions of many clients over one
  socket (:mod:`gateway.websocket_upstream`): every subscription is still authorized by this
  service, with the client's own token. A bad token is an ``error`` for that operation only;
  when an operation's own token expires the operation ends with an UNAUTHENTICATED error (the
  socket, which other callers share, stays open). ``connection_ack`` says that the service
  does this (``payload["renling.operationAuthorization"]``), so that a gateway knows it may, and how
  many operations one connection may run (``payload["renling.operationsPerConnection"]``; the
  gateway opens another socket when one is full).
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import suppress
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.utils.aio import aclosing

from services.common.graphql.view import bearer_token
from services.common.identity import AuthenticationError, TokenVerifier
from services.events.schema.frames import LIVE, Frames, LiveOperation

__all__ = ["OPERATIONS_PER_CONNECTION", "OPERATION_AUTHORIZATION", "socket_handler"]

OPERATION_AUTHORIZATION = "renling.operationAuthorization"
"""The ``connection_ack`` payload key saying that a ``subscribe`` may carry its own token."""
OPERATIONS_PER_CONNECTION = "renling.operationsPerConnection"
"""The ``connection_ack`` payload key giving how many operations one connection may run at once (null: no limit)."""
REFUSED = GraphQLError("the operation's token is not valid", extensions={"code": "UNAUTHENTICATED"})


def socket_handler(frames: Frames) -> type[BaseGraphQLTransportWSHandler[Any, None]]:
    """The handler class for the events service's view, sharing ``frames`` between its operations."""

    class EventsSocketHandler(BaseGraphQLTransportWSHandler[Any, None]):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._authorizations: dict[str, str] = {}  # operation id → its own Authorization value, until it starts

        async def send_message(self, message: Message) -> None:
            if message["type"] == "connection_ack":
                payload = dict(message.get("payload") or {})
                payload[OPERATION_AUTHORIZATION] = True
                payload[OPERATIONS_PER_CONNECTION] = self.max_subscriptions_per_connection
                message = {"type": "connection_ack", "payload": payload}
            await super().send_message(message)

        async def handle_subscribe(self, message: Any) -> None:
            operation_id = message.get("id")
            payload = message.get("payload")
            extensions = payload.get("extensions") if isinstance(payload, dict) else None
            authorization = extensions.get("authorization") if isinstance(extensions, dict) else None
            if isinstance(authorization, str) and operation_id not in self.operations:
                self._authorizations[operation_id] = authorization
            await super().handle_subscribe(message)
            if operation_id not in self.operations:
                self._authorizations.pop(operation_id, None)  # refused (limit, not acknowledged): it never runs

        async def run_operation(self, operation: Operation[Any, None]) -> None:
            live = LiveOperation(
                json.dumps(operation.id),
                (operation.query, operation.operation_name, json.dumps(operation.variables or {}, sort_keys=True)),
                operation.variables,
                frames,
                self._send_text,
            )
            token = LIVE.set(live)
            try:
                authorization = self._authorizations.pop(operation.id, None)
                if authorization is None:
                    await super().run_operation(operation)
                    return
                context = await self._operation_context(authorization)
                if context is None:
                    await operation.send_initial_errors([REFUSED])
                    return
                await self._run(operation, context)
            finally:
                LIVE.reset(token)

        async def _operation_context(self, authorization: str) -> Any:
            """The connection's context with the operation's own caller, or None if its token is not valid."""
            token = bearer_token({"authorization": authorization})
            if not token:
                return None
            verifier: TokenVerifier = self.websocket.ws.app.state.verifier  # type: ignore[attr-defined]  # Starlette's socket
            try:
                principal = await verifier.verify(token)
            except AuthenticationError:
                return None
            return dataclasses.replace(self.context, principal=principal, auth_error=None, own_token=True)

        async def _run(self, operation: Operation[Any, None], context: Any) -> None:
            """Strawberry's ``run_operation``, with the operation's own context instead of the connection's."""
            try:
                result_source = await self.schema.stream(
                    operation.query,
                    variable_values=operation.variables,
                    context_value=context,
                    root_value=self.root_value,
                    operation_name=operation.operation_name,
                )
                async with aclosing(result_source):
                    await self._send_result_stream(operation, result_source)
                await operation.send_operation_message({"id": operation.id, "type": "complete"})
            except _OperationStreamClosed:
                return
            except Exception as error:
                await self.handle_task_exception(error)
                with suppress(Exception):
                    await operation.send_operation_message({"id": operation.id, "type": "complete"})
                self.operations.pop(operation.id, None)
                raise

        async def _send_text(self, text: str) -> None:
            try:
                await self.websocket.ws.send_text(text)  # type: ignore[attr-defined]  # the ASGI adapter's Starlette socket
            except WebSocketDisconnect as disconnected:
                raise WebSocketDisconnected from disconnected

    return EventsSocketHandler
