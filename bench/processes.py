"""Processes under measurement: start, wait until they answer, read their CPU time and peak memory."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measured", "cpu_seconds", "free_port", "peak_rss_mib", "pids_of", "started", "wait_for_port"]

_TICKS = os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    """The high-water mark of resident memory (VmHWM) of process ``pid``, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a process (and, with ``children``, of its waited-for children); 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    used = fields[11:15] if children else fields[11:13]
    return sum(int(value) for value in used) / _TICKS


def pids_of(command: str) -> list[int]:
    """The processes whose command name (``/proc/<pid>/comm``) is ``command``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_port(port: int, *, within_s: float = 120.0, process: subprocess.Popen[bytes] | None = None) -> float:
    """Seconds until something accepts connections on ``port``; raise if the process died or time ran out."""
    began = time.perf_counter()
    while time.perf_counter() - began < within_s:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before listening on {port}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return time.perf_counter() - began
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on {port} within {within_s} s")


@dataclass
class Measured:
    """A running process and what it has used."""

    name: str
    process: subprocess.Popen[bytes]
    started_in_s: float = 0.0

    def cpu_s(self) -> float:
        """User + system CPU seconds of the process and its waited-for children so far."""
        return cpu_seconds(self.process.pid, children=True)

    def peak_rss_mib(self) -> float:
        """The high-water mark of resident memory (VmHWM), MiB."""
        return peak_rss_mib(self.process.pid)

    def rss_mib(self) -> float:
        """Resident memory now (VmRSS), MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for {self.name}")


@contextlib.contextmanager
def started(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str] | None = None,
    cwd: str | Path | None = None,
    cpus: str | None = None,
    ready_s: float = 120.0,
    log: Path | None = None,
) -> Iterator[Measured]:
    """Run ``command`` (pinned to ``cpus`` with taskset if given) until the block ends; yield it once ``port`` answers."""
    argv = [*(["taskset", "-c", cpus] if cpus else []), *command]
    output = log.open("wb") if log else subprocess.DEVNULL
    began = time.perf_counter()
    process = subprocess.Popen(argv, env={**os.environ, **(env or {})}, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
    measured = Measured(name, process)
    try:
        wait_for_port(port, within_s=ready_s, process=process)
        measured.started_in_s = time.perf_counter() - began
        yield measured
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log and not isinstance(output, int):
            output.close()
