"""AMQP topic-exchange matching, so the in-process bus routes exactly as RabbitMQ does."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["topic_matches"]


def topic_matches(pattern: str, routing_key: str) -> bool:
    """``*`` matches one dot-separated word, ``#`` zero or more words."""
    return _match(tuple(pattern.split(".")), tuple(routing_key.split(".")))


@lru_cache(maxsize=4096)
def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[skip:]) for skip in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])
