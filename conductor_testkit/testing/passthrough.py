"""Let the harness's own calls to a server through a ``responses`` mock the test has active.

Tests mock the HTTP calls of their code with the ``responses`` library (the README's way for HTTP
tasks on the local backend, and for workers that call services). ``responses`` patches
``requests`` for the whole process, so while a test has it active the harness's calls to a real
server (starting the workflow, polling for tasks, reading the result) would be refused as
"connection refused". :func:`server_calls_pass_through` adds the server's URL to the active mock's
passthrough prefixes for the duration of one harness call and takes it out again, leaving the
test's registry, calls and other prefixes as they were.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

__all__ = ["active_requests_mock", "server_calls_pass_through"]

_lock = threading.Lock()


def active_requests_mock() -> Optional[Any]:
    """The ``responses.RequestsMock`` that intercepts ``requests`` now, or None.

    The active one is the owner of the patched ``HTTPAdapter.send`` (the innermost when several
    are nested); ``responses`` keeps it in the closure of that function.
    """
    responses = sys.modules.get("responses")
    if responses is None:  # never imported: nothing can be active
        return None
    from requests.adapters import HTTPAdapter

    send = HTTPAdapter.send
    for cell in getattr(send, "__closure__", None) or ():
        try:
            owner = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(owner, responses.RequestsMock):
            return owner
    return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme and parts.netloc else url


@contextmanager
def server_calls_pass_through(server_url: str) -> Iterator[None]:
    """Within the block, calls to ``server_url``'s host go to the network despite ``responses``.

    Nothing happens when no ``responses`` mock is active or it already lets that host through.
    """
    mock = active_requests_mock()
    prefix = _origin(server_url)
    if mock is None:
        yield
        return
    with _lock:
        added = prefix not in mock.passthru_prefixes
        if added:
            mock.add_passthru(prefix)
    try:
        yield
    finally:
        if added:
            with _lock:
                prefixes = list(mock.passthru_prefixes)
                if prefix in prefixes:
                    prefixes.remove(prefix)
                mock.passthru_prefixes = tuple(prefixes)
