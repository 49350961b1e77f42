"""The demo platform of the disclosure tests (every service, the demo district, the gateway)."""

from tests.disclosure.conftest import Demo, demo

__all__ = ["Demo", "demo"]
