"""The port every outgoing channel implements."""

from __future__ import annotations

from typing import Protocol

from services.notices.domain import Channel, Notice, Preferences

__all__ = ["DeliveryFailed", "OutgoingChannel"]


class DeliveryFailed(Exception):
    """The provider did not take the notice; ``retry`` says whether trying again may help."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class OutgoingChannel(Protocol):
    """Sends one notice to the address in the person's preferences."""

    @property
    def channel(self) -> Channel:
        """Which channel this is."""

    async def send(self, notice: Notice, preferences: Preferences) -> None:
        """Return once the provider took the notice; raise :class:`DeliveryFailed` otherwise."""
