"""The bus port and its two adapters: RabbitMQ (aio-pika) and an in-process bus.

Both deliver at least once to each subscribed consumer, match bindings with AMQP topic
semantics, retry a failed handler after a delay and dead-letter it after the delivery limit.
"""

from services.common.bus.port import Bus, DeadLetter, EventHandler, PublishError, Subscription, UnprocessableEvent
from services.common.bus.topic import topic_matches

__all__ = ["Bus", "DeadLetter", "EventHandler", "PublishError", "Subscription", "UnprocessableEvent", "topic_matches"]
