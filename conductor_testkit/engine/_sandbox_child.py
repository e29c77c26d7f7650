"""The sandbox child process: runs jq programs or JavaScript for :mod:`.sandbox`.

Run by path with ``python -I``: it imports only the standard library and, after the first
message, jq or quickjs. (The engine imports :class:`JsServer` alone, to evaluate scripts that
need no sandbox in-process the same way: :mod:`conductor_testkit.engine.bounded_scripts`.)

Protocol on stdin/stdout: frames of a 4-byte big-endian length and a UTF-8 body. A request is
two frames, a JSON object and the script's input (JSON text, empty for the first request); an
answer is one JSON frame. The first request names the kind (``jq`` or ``js``), the
``sys.path`` to find the bindings, the memory limit and, for ``js``, the prelude; the child
answers ``{"ready": true}`` and then serves one request at a time until stdin closes.

The child executes what it is given and reports errors as they are; the parent translates
them into the server's wording. What the child adds is isolation: an address-space limit, no
environment, and for JavaScript a fresh QuickJS context whenever the caller's scope (one
workflow run) changes, prepared while the caller is busy elsewhere.
"""

import json
import os
import struct
import sys

_HEADER = struct.Struct(">I")
# address space the interpreter may use beyond the limit given for scripts (parsing, buffers)
_SLACK_BYTES = 64 * 1024 * 1024
_COMPILED_CACHE_SIZE = 1024


class _Frames:
    """Frames read from a pipe, taking whatever is there at each read (usually a whole request)."""

    def __init__(self, fd):
        self._fd = fd
        self._buffer = bytearray()

    def _take(self, size):
        while len(self._buffer) < size:
            chunk = os.read(self._fd, max(size - len(self._buffer), 1 << 16))
            if not chunk:
                return None
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def read(self):
        header = self._take(_HEADER.size)
        if header is None:
            return None
        return self._take(_HEADER.unpack(header)[0])


def _write_frame(fd, body):
    view = memoryview(_HEADER.pack(len(body)) + body)
    while view:
        view = view[os.write(fd, view) :]


def _dump(value):
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _limit_cpu(seconds):
    """Let the coming request use at most ``seconds`` of CPU (plus one) before the kernel ends
    this process: the caller kills it at its wall-time limit first, this holds when the caller
    itself has died (the process is then nobody's to kill)."""
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime + seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (soft, resource.RLIM_INFINITY))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not POSIX
        pass


def _limit_address_space(extra_bytes):
    """Cap the address space at what is mapped now plus ``extra_bytes`` (Linux; else no cap)."""
    try:
        import resource

        with open("/proc/self/statm") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = mapped + extra_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, OSError, ValueError):  # pragma: no cover - not Linux
        pass


class JqServer:
    """Compiles (once per program text) and runs jq programs; answers the emitted values."""

    def __init__(self, hello):
        import jq

        self._jq = jq
        self._prelude = hello.get("prelude", "")
        self._compiled = {}

    def handle(self, request, data):
        program_text = request["program"]
        program = self._compiled.get(program_text)
        if program is None:
            try:
                program = self._jq.compile(self._prelude + program_text)
            except ValueError as exc:
                return _dump({"error": str(exc), "compile": True})
            if len(self._compiled) >= _COMPILED_CACHE_SIZE:
                self._compiled.clear()
            self._compiled[program_text] = program
        try:
            text = program.input_text(data).text()
        except ValueError as exc:
            return _dump({"error": str(exc), "compile": False})
        # jq writes one compact JSON value per line (strings escape their newlines)
        return b'{"ok":[' + text.replace("\n", ",").encode("utf-8") + b"]}"


class JsServer:
    """QuickJS contexts, one per scope, each set up by the prelude the parent sends."""

    def __init__(self, hello):
        import quickjs

        self._quickjs = quickjs
        self._prelude = hello["prelude"]
        self._memory_limit = int(hello["memory_limit"])
        self._stack_limit = int(hello.get("stack_limit", 1024 * 1024))
        self._bounded_only = bool(hello.get("bounded_only"))  # scripts that make no globals
        self._scope = None
        self._context = None
        self._spare = None

    def _new_context(self):
        """A context set up by the prelude, with its entry points (looked up once)."""
        context = self._quickjs.Context()
        context.set_memory_limit(self._memory_limit)
        context.set_max_stack_size(self._stack_limit)
        context.eval(self._prelude)
        return context, context.get("__ctk_run"), context.get("__ctk_finish")

    def prepare(self):
        """Make the next scope's context while the parent is busy (called after each answer)."""
        if self._spare is None:
            self._spare = self._new_context()

    def handle(self, request, data):
        scope = request.get("scope")
        if self._context is None or scope != self._scope:
            self._context, self._spare = (self._spare or self._new_context()), None
            self._scope = scope
        context, run, finish = self._context
        try:
            run(request["src"], data, bool(request.get("fn")), request.get("expr"))
            self._run_jobs(context)
            text = finish(self._bounded_only)
        except self._quickjs.StackOverflow:
            self._context = None
            return _dump({"exc": "stack"})
        except self._quickjs.JSException as exc:
            self._context = None
            return _dump({"exc": str(exc)})
        if request.get("discard") or '"dirty":true' in text[-16:]:
            # the script may have changed built-ins, or made a global that cannot be deleted
            self._context = None
        return b'{"r":' + text.encode("utf-8") + b"}"

    def _run_jobs(self, context):
        # GraalJS runs the promise jobs an evaluation queued before the evaluation returns;
        # none may run later, in another evaluation
        while True:
            try:
                if not context.execute_pending_job():
                    return
            except self._quickjs.JSException as exc:
                if "out of memory" in str(exc) or "interrupted" in str(exc):
                    raise
                # a rejected job is an unhandled rejection: ignored, like the server


def main():
    frames = _Frames(sys.stdin.fileno())
    stdout = sys.stdout.fileno()
    first = frames.read()
    if first is None or frames.read() is None:
        return
    hello = json.loads(first)
    sys.path[:] = hello.get("sys_path") or sys.path
    try:
        server = (JqServer if hello["kind"] == "jq" else JsServer)(hello)
    except Exception as exc:  # a missing binding: say so instead of dying silently
        _write_frame(stdout, _dump({"ready": False, "error": f"{type(exc).__name__}: {exc}"}))
        return
    memory_limit = int(hello["memory_limit"])
    _limit_address_space(memory_limit * (2 if hello["kind"] == "js" else 1) + _SLACK_BYTES)
    prepare = getattr(server, "prepare", None)
    _write_frame(stdout, _dump({"ready": True}))
    while True:
        body = frames.read()
        data = frames.read() if body is not None else None
        if body is None or data is None:
            return
        request = json.loads(body)
        _limit_cpu(float(request.get("cpu_limit") or 60))
        try:
            answer = server.handle(request, data.decode("utf-8"))
        except MemoryError:
            answer = b'{"memory":true}'
        _write_frame(stdout, answer)
        if prepare is not None:
            try:
                prepare()
            except (MemoryError, Exception):  # retried at the next request, where it reports
                pass


if __name__ == "__main__":
    main()
