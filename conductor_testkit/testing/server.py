"""Fetch, start and stop a real Conductor OSS server for tests, on loopback.

The server version is pinned here and nowhere else. The jar (Spring Boot, classifier ``boot``)
comes from Maven Central through ``mvn dependency:copy`` and is cached in
``$CONDUCTOR_TESTKIT_CACHE`` (default ``~/.cache/conductor-testkit``). It needs Java 21 or newer;
the first JDK found among ``$CONDUCTOR_JAVA_HOME``, ``$JAVA_HOME`` and ``/usr/lib/jvm/*`` is used.

The server's first script evaluations are slow: each evaluator type (GraalJS, GraalPy) loads its
language on first use, which has taken minutes on a loaded machine. :func:`warm_up` makes those
calls once, with a deadline of their own, so that the calls a test times are not the first.

Command line::

    python -m conductor_testkit.testing.server fetch      # download the jar
    python -m conductor_testkit.testing.server run        # start in the foreground (Ctrl-C stops)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests

CONDUCTOR_SERVER_VERSION = "3.32.1"
MIN_JAVA_VERSION = 21
_ARTIFACT = f"org.conductoross:conductor-server:{CONDUCTOR_SERVER_VERSION}:jar:boot"
FETCH_TIMEOUT_SECONDS = 1800.0
WARM_UP_TIMEOUT_SECONDS = 600.0


class ServerUnavailable(RuntimeError):
    """The real server cannot be had here (no Maven, no Java 21+, download or start failed)."""


class ServerTimeout(ServerUnavailable):
    """A call to the server got no answer in time; the message names the call and the limit."""


class ServerSession(requests.Session):
    """A ``requests`` session for calls to the server whose timeouts say which call was slow.

    ``requests`` reports a read timeout with the host and the limit only; this session raises
    :class:`ServerTimeout` with the method, the URL, the limit and how long the call waited.
    """

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        started = time.monotonic()
        try:
            return super().request(method, url, *args, **kwargs)
        except requests.Timeout as exc:
            method_name = method.decode() if isinstance(method, bytes) else method
            raise ServerTimeout(
                f"{method_name.upper()} {url!s} got no answer within its timeout of {kwargs.get('timeout')}s "
                f"(gave up after {time.monotonic() - started:.1f}s)"
            ) from exc


def cache_dir() -> Path:
    root = os.environ.get("CONDUCTOR_TESTKIT_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "conductor-testkit"
    )
    return Path(root)


def jar_path() -> Path:
    return cache_dir() / f"conductor-server-{CONDUCTOR_SERVER_VERSION}-boot.jar"


def fetch_jar() -> Path:
    """The cached server jar, downloaded with Maven when missing."""
    target = jar_path()
    if target.exists() and target.stat().st_size > 0:
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerUnavailable(
            "Maven ('mvn') is not on PATH; it is needed to fetch "
            f"{_ARTIFACT} from Maven Central (or put the jar at {target})"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        cmd = [
            mvn, "-q", "-B", "dependency:copy", f"-Dartifact={_ARTIFACT}", f"-DoutputDirectory={tmp}",
        ]
        try:
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=FETCH_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            raise ServerUnavailable(
                f"fetching {_ARTIFACT} with Maven took longer than {FETCH_TIMEOUT_SECONDS:.0f}s"
            ) from exc
        downloaded = Path(tmp) / target.name
        if proc.returncode != 0 or not downloaded.exists():
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-15:]
            raise ServerUnavailable(
                f"could not fetch {_ARTIFACT} with Maven (exit {proc.returncode}):\n" + "\n".join(tail)
            )
        os.replace(downloaded, target)
    return target


def _java_major(java: Path) -> Optional[int]:
    release = java.parent.parent / "release"
    text = ""
    if release.exists():
        text = release.read_text(errors="replace")
        match = re.search(r'JAVA_VERSION="(\d+)', text)
        if match:
            return int(match.group(1))
    try:
        out = subprocess.run([str(java), "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):  # reported as "version unknown" by find_java
        return None
    match = re.search(r'version "(\d+)', out.stderr + out.stdout)
    return int(match.group(1)) if match else None


def find_java() -> Path:
    """A ``java`` executable of version 21 or newer."""
    candidates: List[Path] = []
    for var in ("CONDUCTOR_JAVA_HOME", "JAVA_HOME"):
        home = os.environ.get(var)
        if home:
            candidates.append(Path(home) / "bin" / "java")
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        candidates.extend(sorted(jvm.glob("*/bin/java"), reverse=True))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path))
    seen = []
    for java in candidates:
        if not java.exists():
            continue
        major = _java_major(java)
        seen.append(f"{java} ({major if major is not None else 'version unknown'})")
        if major is not None and major >= MIN_JAVA_VERSION:
            return java
    raise ServerUnavailable(
        f"Conductor {CONDUCTOR_SERVER_VERSION} needs Java {MIN_JAVA_VERSION}+; found: "
        + (", ".join(seen) or "no java at all")
        + ". Set CONDUCTOR_JAVA_HOME to a JDK 21+."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_reachable(api_url: str, timeout_seconds: float = 2.0) -> bool:
    """Whether a Conductor API answers at ``api_url`` (e.g. http://127.0.0.1:8080/api)."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/metadata/taskdefs", timeout=timeout_seconds):
            return True
    except Exception:
        return False


def server_version(api_url: str, timeout_seconds: float = 5.0) -> Optional[str]:
    """The version a running server reports at ``/version`` (None when it does not answer)."""
    try:
        with urllib.request.urlopen(api_url.rstrip("/") + "/version", timeout=timeout_seconds) as resp:
            return resp.read().decode("utf-8", "replace").strip() or None
    except Exception:
        return None


def wait_until_reachable(api_url: str, deadline_seconds: float) -> bool:
    """Whether a Conductor API answers at ``api_url`` within ``deadline_seconds`` (polled)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        remaining = deadline - time.monotonic()
        if is_reachable(api_url, timeout_seconds=max(1.0, min(10.0, remaining))):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


# A workflow test request whose tasks load each script language of the server once.
_WARM_UP_REQUEST: Dict[str, Any] = {
    "name": "conductor_testkit_warm_up",
    "version": 1,
    "workflowDef": {
        "name": "conductor_testkit_warm_up",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {
                "name": f"warm_up_{evaluator}",
                "taskReferenceName": f"warm_up_{evaluator}",
                "type": "INLINE",
                "inputParameters": {"evaluatorType": evaluator, "expression": expression},
            }
            for evaluator, expression in (("graaljs", "1 + 1"), ("python", "return 1 + 1"))
        ],
    },
    "taskRefToMockOutput": {},
}


def warm_up(api_url: str, timeout_seconds: float = WARM_UP_TIMEOUT_SECONDS) -> float:
    """Make the server's slow first calls (a GraalJS and a GraalPy evaluation); the seconds taken.

    Cheap on a server that has made them before. On a loaded machine the first evaluations can
    exceed the server's own 4 s script limit and fail; they are made again (each attempt leaves
    the engines warmer) until one completes. Raises :class:`ServerUnavailable` naming the call
    when none has completed within ``timeout_seconds``.
    """
    what = f"the warm-up of {api_url} (the server's first GraalJS and GraalPy evaluations)"
    started = time.monotonic()
    deadline = started + timeout_seconds
    attempts = 0
    while True:
        attempts += 1
        request = urllib.request.Request(
            api_url.rstrip("/") + "/workflow/test",
            data=json.dumps(_WARM_UP_REQUEST).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        remaining = max(1.0, deadline - time.monotonic())
        try:
            with urllib.request.urlopen(request, timeout=remaining) as response:
                workflow = json.loads(response.read().decode("utf-8"))
        except socket.timeout as exc:
            raise ServerUnavailable(f"{what} got no answer within {timeout_seconds:g}s") from exc
        except (OSError, ValueError) as exc:
            raise ServerUnavailable(f"{what} failed after {time.monotonic() - started:.0f}s: {exc}") from exc
        if workflow.get("status") == "COMPLETED":
            return time.monotonic() - started
        reason = workflow.get("reasonForIncompletion")
        if time.monotonic() >= deadline:
            raise ServerUnavailable(
                f"{what} ended {workflow.get('status')} {attempts} time(s) in {timeout_seconds:g}s; "
                f"the last time: {reason}"
            )


class ConductorServer:
    """A Conductor OSS server process on loopback with a throwaway SQLite data directory."""

    def __init__(self, port: Optional[int] = None, start_timeout_seconds: float = 240.0) -> None:
        self.port = port or free_port()
        self.start_timeout_seconds = start_timeout_seconds
        self.process: Optional[subprocess.Popen] = None
        self.data_dir: Optional[str] = None
        self.log_path: Optional[Path] = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self) -> ConductorServer:
        jar = fetch_jar()
        java = find_java()
        self.data_dir = tempfile.mkdtemp(prefix="conductor-server-")
        self.log_path = Path(self.data_dir) / "server.log"
        db = Path(self.data_dir) / "conductor.db"
        cmd = [
            str(java), "-Xms256m", "-Xmx1536m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-jar", str(jar),
            "--server.address=127.0.0.1",
            f"--server.port={self.port}",
            f"--spring.datasource.url=jdbc:sqlite:{db}?busy_timeout=15000&journal_mode=WAL",
            # nothing here may reach outside the machine: no AI integrations, no SQS, no scheduler
            "--conductor.integrations.ai.enabled=false",
            "--conductor.scheduler.enabled=false",
            "--conductor.default-event-queue.type=conductor",
            "--management.health.elasticsearch.enabled=false",
        ]
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            cmd, cwd=self.data_dir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + self.start_timeout_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerUnavailable(
                    f"the Conductor server exited with code {self.process.returncode} while starting; "
                    f"log tail:\n{self.log_tail()}"
                )
            if is_reachable(self.api_url, timeout_seconds=2.0):
                return self
            time.sleep(0.5)
        self.stop()
        raise ServerUnavailable(
            f"the Conductor server did not answer on {self.api_url} within "
            f"{self.start_timeout_seconds:.0f}s; log tail:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.process = None
        if self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None

    def __enter__(self) -> ConductorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conductor_testkit.testing.server")
    parser.add_argument("command", choices=["fetch", "run", "version"])
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    if args.command == "version":
        print(CONDUCTOR_SERVER_VERSION)
        return 0
    if args.command == "fetch":
        print(fetch_jar())
        return 0
    # SIGTERM (kill, a CI runner's cleanup) stops the server as Ctrl-C does: by default it would end
    # this process at once and leave the JVM running
    signal.signal(signal.SIGTERM, _interrupt)
    server = ConductorServer(port=args.port)
    try:
        server.start()
        print(f"Conductor {CONDUCTOR_SERVER_VERSION} at {server.api_url} (Ctrl-C stops it)", flush=True)
        if server.process is not None:
            server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
