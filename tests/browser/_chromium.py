"""A headless Chromium driven over the DevTools protocol on a pipe (no websocket, no download).

``Chromium.open(path)`` loads a local page, waits for its load event, and returns what the page
logged as errors (console errors, uncaught exceptions, failed loads) with a screenshot. Chromium is
Debian's ``chromium`` package; ``find_chromium()`` says where it is, or None.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
]


def _above_four(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return moved


def find_chromium() -> Optional[str]:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageResult:
    """What loading a page gave: its errors, values evaluated in it, and a PNG screenshot."""

    errors: List[str] = field(default_factory=list)
    values: Dict[str, Any] = field(default_factory=dict)
    screenshot: bytes = b""


class Chromium:
    """One headless browser process, spoken to on file descriptors 3 (commands) and 4 (replies)."""

    def __init__(self, executable: str, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # above 4, so that moving them to 3 and 4 in the child never closes one of them
        to_browser_read, from_browser_write = _above_four(to_browser_read), _above_four(from_browser_write)
        self._log = open(os.path.join(self._profile, "stderr.log"), "wb")
        # the protocol's fixed descriptors: commands on 3, replies on 4 (bash moves them there)
        read, write = to_browser_read, from_browser_write
        wiring = f'exec "$0" "$@" 3<&{read} 4>&{write} {read}<&- {write}>&-'
        self.process = subprocess.Popen(
            ["bash", "-c", wiring, executable, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            pass_fds=(to_browser_read, from_browser_write),
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: List[Dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.send("Browser.close")
            except (OSError, TimeoutError, RuntimeError):
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> Dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium before the deadline")
            ready, _, _ = select.select([self._from_browser], [], [], min(left, 1.0))
            if ready:
                chunk = os.read(self._from_browser, 1 << 16)
                if not chunk:
                    raise RuntimeError(f"chromium closed the pipe (exit code {self.process.poll()})")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: Dict[str, Any] = json.loads(raw)
        return message

    def send(
        self, method: str, params: Optional[Dict[str, Any]] = None, session: Optional[str] = None
    ) -> Any:
        """Send one command and return its result (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message: Dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout_s
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result")
            self.events.append(reply)

    def wait_for(self, method: str, session: str) -> Dict[str, Any]:
        deadline = time.monotonic() + self.timeout_s
        for index, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(index)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)

    def open(self, path: Path, evaluate: Optional[Dict[str, str]] = None, width: int = 1280) -> PageResult:
        """Load ``path``, wait for its load event, evaluate ``evaluate`` (name -> JS expression),
        collect the errors it logged, and take a full-page screenshot."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Page"):
            self.send(f"{domain}.enable", session=session)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        self.wait_for("Page.loadEventFired", session)
        result = PageResult()
        for name, expression in (evaluate or {}).items():
            answer = self.send(
                "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
            )
            result.values[name] = answer.get("result", {}).get("value")
        shot = self.send(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session
        )
        result.screenshot = base64.b64decode(shot["data"])
        self.send("Runtime.evaluate", {"expression": "0"}, session=session)  # let late events arrive
        result.errors = [text for event in self.events if (text := _error_of(event, session))]
        return result


def _error_of(event: Dict[str, Any], session: str) -> Optional[str]:
    if event.get("sessionId") != session:
        return None
    method, params = event.get("method"), event.get("params") or {}
    if method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails") or {}
        return f"uncaught: {details.get('text')} {(details.get('exception') or {}).get('description', '')}"
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        values = [str(arg.get("value", arg.get("description", ""))) for arg in params.get("args") or []]
        return f"console.{params.get('type')}: {' '.join(values)}"
    if method == "Log.entryAdded" and (params.get("entry") or {}).get("level") == "error":
        entry = params["entry"]
        return f"log: {entry.get('text')} {entry.get('url', '')}".strip()
    return None
