"""Outgoing channels behind one port: a signed webhook, Aliyun SMS and WeChat template messages."""

from services.notices.channels.port import DeliveryFailed, OutgoingChannel
from services.notices.channels.setup import configured_channels

__all__ = ["DeliveryFailed", "OutgoingChannel", "configured_channels"]
