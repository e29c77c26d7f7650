"""``python -m conductor_testkit.testing.server run``: the server it starts goes when it is told to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest

from conductor_testkit.testing import server as server_mod

# the command's own start deadline (ConductorServer's default) and some slack for a loaded machine
START_DEADLINE_SECONDS = 300.0
STOP_DEADLINE_SECONDS = 90.0


def _children(pid: int) -> List[int]:
    """The process ids whose parent is ``pid`` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while being read
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status is left


@pytest.mark.integration
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_sigterm_stops_the_server_the_command_started() -> None:
    port = server_mod.free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    command = subprocess.Popen(
        [sys.executable, "-m", "conductor_testkit.testing.server", "run", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    jvms: List[int] = []
    try:
        assert server_mod.wait_until_reachable(api_url, START_DEADLINE_SECONDS), (
            f"the server did not answer at {api_url} within {START_DEADLINE_SECONDS:.0f} s"
        )
        jvms = _children(command.pid)
        assert jvms, "the command started no child process"

        command.send_signal(signal.SIGTERM)
        command.wait(timeout=STOP_DEADLINE_SECONDS)
        deadline = time.monotonic() + STOP_DEADLINE_SECONDS
        while any(_alive(pid) for pid in jvms) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in jvms if _alive(pid)] == [], "the JVM outlived the command"
        assert not server_mod.is_reachable(api_url)
        assert command.returncode == 0
    finally:
        if command.poll() is None:
            command.kill()
            command.wait(timeout=STOP_DEADLINE_SECONDS)
        for pid in jvms:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if command.stdout is not None:
            command.stdout.close()
