"""A small Chrome DevTools Protocol driver for headless Chromium (Debian's ``chromium``)."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import websockets

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
]


class Page:
    """One tab, driven through a flattened CDP session."""

    def __init__(self, socket: Any, session: str) -> None:
        self._socket = socket
        self._session = session
        self._ids = itertools.count(1000)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """A command on this tab; waits for its answer."""
        message_id = next(self._ids)
        await self._socket.send(json.dumps({"id": message_id, "method": method, "params": params, "sessionId": self._session}))
        while True:
            answer = json.loads(await self._socket.recv())
            if answer.get("id") == message_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer.get("result", {})
                return result

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = await self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    async def wait_for(self, expression: str, *, within: float = 30.0) -> Any:
        """Poll until the expression is truthy; its value."""
        async with asyncio.timeout(within):
            while True:
                value = await self.evaluate(expression)
                if value:
                    return value
                await asyncio.sleep(0.2)


@asynccontextmanager
async def chromium_page(url: str) -> AsyncIterator[Page]:
    """Headless Chromium showing ``url``; fails (never skips) when Chromium is not installed."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Chromium is not installed: `apt-get install chromium` (make test and .ci/run install it)")
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            binary, *FLAGS, f"--user-data-dir={profile}", "about:blank", stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        try:
            assert process.stderr is not None
            async with asyncio.timeout(30):
                while True:
                    line = (await process.stderr.readline()).decode()
                    found = re.search(r"DevTools listening on (ws://\S+)", line)
                    if found:
                        break
                    if not line:
                        pytest.fail("Chromium exited before it listened for DevTools")
            async with websockets.connect(found.group(1), max_size=None) as socket:
                await socket.send(json.dumps({"id": 1, "method": "Target.createTarget", "params": {"url": url}}))
                target = await _answer(socket, 1)
                await socket.send(
                    json.dumps({"id": 2, "method": "Target.attachToTarget", "params": {"targetId": target["targetId"], "flatten": True}})
                )
                session = (await _answer(socket, 2))["sessionId"]
                page = Page(socket, session)
                await page.send("Runtime.enable")
                yield page
        finally:
            process.kill()
            await process.wait()


async def _answer(socket: Any, message_id: int) -> dict[str, Any]:
    while True:
        answer = json.loads(await socket.recv())
        if answer.get("id") == message_id:
            result: dict[str, Any] = answer["result"]
            return result
