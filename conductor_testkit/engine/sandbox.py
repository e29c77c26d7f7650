"""Child processes that run user scripts (jq programs, JavaScript) under hard limits.

jq (libjq through jq.py) holds the GIL while it runs and has no limits of its own; QuickJS's
regex engine never polls its interrupt handler, and the binding's time limit counts the whole
process's CPU time. Neither can be stopped from inside the process, so scripts run in a
persistent child process: the caller waits for the answer up to the wall-time limit and kills
the child when it passes (the next evaluation starts a new one). The child's address space is
capped (``RLIMIT_AS``), so a program that allocates without end dies there instead of here.

One :class:`SandboxPool` per kind of child and memory limit is shared by every engine of the
process; it keeps idle children for reuse and starts another when all are busy, so one
thread's runaway script never blocks another thread's evaluation.

The child (``_sandbox_child.py``) runs isolated (``python -I``, an empty environment, ``/`` as
working directory) and is told ``sys.path`` only to find jq and quickjs. POSIX only.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from conductor_testkit.errors import ConductorError

CHILD_PROGRAM = Path(__file__).with_name("_sandbox_child.py")
_HEADER = struct.Struct(">I")
_MEMORY_ANSWER = b'{"memory":true}'
_READ_SIZE = 1 << 16
# idle children kept per pool; more are started when threads evaluate at once
_MAX_IDLE = 4
# how long a new child may take to start (imports of jq/quickjs); not the script's limit
_START_TIMEOUT_S = 60.0


class SandboxError(ConductorError):
    """A script could not be evaluated in its child process."""


class SandboxTimeLimit(SandboxError):
    """The script ran longer than the wall-time limit; its child process was killed."""

    def __init__(self, limit_seconds: float) -> None:
        self.limit_seconds = limit_seconds
        super().__init__(f"time limit of {format_seconds(limit_seconds)} s exceeded")


class SandboxMemoryLimit(SandboxError):
    """The script needed more memory than the limit allows; its child process died or gave up."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(f"memory limit of {limit_bytes} bytes exceeded")


class SandboxCrashed(SandboxError):
    """The child process ended without an answer for another reason (named in the message)."""


def format_seconds(value: float) -> str:
    """``4`` for 4.0, ``0.5`` for 0.5: a limit as people write it."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _exit_description(returncode: Optional[int]) -> str:
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit status {returncode}"


class SandboxProcess:
    """One child process and the pipe protocol to it (length-prefixed JSON both ways)."""

    def __init__(self, kind: str, memory_limit_bytes: int, setup: Optional[Dict[str, Any]] = None) -> None:
        self.kind = kind
        self.memory_limit_bytes = memory_limit_bytes
        self.last_scope: Optional[str] = None
        self._timeout_s = 0.0
        self._buffer = bytearray()
        self._proc = subprocess.Popen(
            [sys.executable, "-I", str(CHILD_PROGRAM)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            cwd="/",
            close_fds=True,
            start_new_session=True,  # Ctrl-C in a terminal goes to the caller, not the child
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in = self._proc.stdin.fileno()
        self._out = self._proc.stdout.fileno()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._out, selectors.EVENT_READ)
        hello = dict(setup or {}, kind=kind, sys_path=list(sys.path), memory_limit=memory_limit_bytes)
        try:
            reply = json.loads(self.call(hello, _START_TIMEOUT_S))
        except SandboxError as exc:
            self.kill()
            raise SandboxCrashed(f"the {kind} sandbox process did not start: {exc}") from None
        if not reply.get("ready"):
            self.kill()
            raise SandboxCrashed(f"the {kind} sandbox process did not start: {reply.get('error')}")

    @property
    def pid(self) -> int:
        return self._proc.pid

    def alive(self) -> bool:
        return self._proc.poll() is None

    def call(self, request: Dict[str, Any], timeout_s: float, data: str = "") -> bytes:
        """Send ``request`` (and ``data``, the script's input as JSON text, in a frame of its own
        so it is not encoded twice) and wait up to ``timeout_s`` for the answer (its JSON text).

        Raises :class:`SandboxTimeLimit` (the child is killed), :class:`SandboxMemoryLimit`
        (the child died of an allocation failure or reported one) or :class:`SandboxCrashed`.
        """
        meta = json.dumps(dict(request, cpu_limit=timeout_s), separators=(",", ":")).encode("utf-8")
        payload = data.encode("utf-8")
        deadline = time.monotonic() + timeout_s
        try:
            self._write(_HEADER.pack(len(meta)) + meta + _HEADER.pack(len(payload)) + payload)
            header = self._read(_HEADER.size, deadline, timeout_s)
            body = self._read(_HEADER.unpack(header)[0], deadline, timeout_s)
        except (BrokenPipeError, ConnectionResetError, EOFError):
            self._timeout_s = timeout_s
            raise self._death() from None
        if body == _MEMORY_ANSWER:
            self.kill()  # a MemoryError in the child: its heap may be fragmented, start afresh
            raise SandboxMemoryLimit(self.memory_limit_bytes)
        return body

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._in, view)
            view = view[written:]

    def _read(self, size: int, deadline: float, timeout_s: float) -> bytes:
        # reads what is there (a whole answer, usually): one wait and one read per answer
        buffer = self._buffer
        while len(buffer) < size:
            wait = deadline - time.monotonic()
            if wait <= 0 or not self._selector.select(wait):
                self.kill()
                raise SandboxTimeLimit(timeout_s)
            chunk = os.read(self._out, max(size - len(buffer), _READ_SIZE))
            if not chunk:
                raise EOFError
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    def _death(self) -> SandboxError:
        try:
            returncode = self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        self.kill()
        if returncode == -signal.SIGXCPU:  # the child's own CPU budget (see _sandbox_child)
            return SandboxTimeLimit(self._timeout_s)
        if returncode is not None and returncode in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGKILL):
            # libjq aborts and QuickJS/CPython crash when malloc fails under RLIMIT_AS
            return SandboxMemoryLimit(self.memory_limit_bytes)
        return SandboxCrashed(f"the {self.kind} sandbox process ended ({_exit_description(returncode)})")

    def kill(self) -> None:
        """Kill the child (if still running) and release its pipes."""
        if self._proc.poll() is None:
            try:
                self._proc.kill()
            except ProcessLookupError:  # pragma: no cover - ended in between
                pass
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
            pass
        try:
            self._selector.close()
        except (OSError, ValueError):  # pragma: no cover
            pass
        for stream in (self._proc.stdin, self._proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:  # pragma: no cover - a broken pipe on close
                pass


class SandboxPool:
    """Children of one kind and memory limit, reused across evaluations and engines."""

    def __init__(self, kind: str, memory_limit_bytes: int, setup: Optional[Dict[str, Any]] = None) -> None:
        self.kind = kind
        self.memory_limit_bytes = memory_limit_bytes
        self.setup = dict(setup or {})
        self._idle: List[SandboxProcess] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self.started = 0  # children started so far (a figure for benchmarks and tests)

    def call(
        self, request: Dict[str, Any], timeout_s: float, scope: Optional[str] = None, data: str = ""
    ) -> bytes:
        """Run ``request`` on an idle child (preferring the one that last served ``scope``)."""
        process = self._acquire(scope)
        try:
            reply = process.call(request, timeout_s, data)
        except SandboxError:
            process.kill()
            raise
        except BaseException:
            # interrupted mid-protocol (KeyboardInterrupt): the pipe is out of step, drop it
            process.kill()
            raise
        process.last_scope = scope
        self._release(process)
        return reply

    def _acquire(self, scope: Optional[str]) -> SandboxProcess:
        with self._lock:
            if self._pid != os.getpid():
                # a forked copy of the pool: the children belong to the parent process
                self._idle = []
                self._pid = os.getpid()
            chosen = None
            for index in range(len(self._idle) - 1, -1, -1):
                if self._idle[index].last_scope == scope:
                    chosen = self._idle.pop(index)
                    break
            if chosen is None and self._idle:
                chosen = self._idle.pop()
        while chosen is not None and not chosen.alive():
            chosen.kill()
            with self._lock:
                chosen = self._idle.pop() if self._idle else None
        if chosen is not None:
            return chosen
        process = SandboxProcess(self.kind, self.memory_limit_bytes, self.setup)
        with self._lock:
            self.started += 1
        return process

    def _release(self, process: SandboxProcess) -> None:
        with self._lock:
            if len(self._idle) < _MAX_IDLE and self._pid == os.getpid():
                self._idle.append(process)
                return
        process.kill()

    def idle_pids(self) -> List[int]:
        """The process ids of the idle children (tests check they are really gone after a kill)."""
        with self._lock:
            return [process.pid for process in self._idle]

    def close(self) -> None:
        """Kill every idle child."""
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            process.kill()


_POOLS: Dict[Tuple[str, int], SandboxPool] = {}
_POOLS_LOCK = threading.Lock()


def sandbox_pool(kind: str, memory_limit_bytes: int, setup: Optional[Dict[str, Any]] = None) -> SandboxPool:
    """The process-wide pool of ``kind`` children (``"jq"`` or ``"js"``) with that memory limit.

    ``setup`` (what every child of the pool is told at start, e.g. the JavaScript prelude) is
    taken from the first call for a kind and limit.
    """
    key = (kind, int(memory_limit_bytes))
    with _POOLS_LOCK:
        pool = _POOLS.get(key)
        if pool is None:
            pool = _POOLS[key] = SandboxPool(kind, int(memory_limit_bytes), setup)
        return pool


def sandbox_pids() -> List[int]:
    """The process ids of every idle sandbox child (for benchmarks that read their CPU time)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    return [pid for pool in pools for pid in pool.idle_pids()]


@atexit.register
def close_all_pools() -> None:
    """Kill every idle child of every pool (also run at interpreter exit)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
    for pool in pools:
        pool.close()


__all__ = [
    "SandboxCrashed",
    "SandboxError",
    "SandboxMemoryLimit",
    "SandboxPool",
    "SandboxProcess",
    "SandboxTimeLimit",
    "close_all_pools",
    "format_seconds",
    "sandbox_pids",
    "sandbox_pool",
]
