"""A worker process that stops when the server that started it has gone.

A ``ProcessPoolExecutor``'s worker waits for work on a pipe its parent holds open; when the server
is stopped or killed without shutting its pool down, the worker was left running for good, holding
its memory (seen: one left per server stopped). Kept free of Streamlit and the app's modules, so a
worker that runs it loads nothing more.
"""

from __future__ import annotations

import os
import threading
import time

CHECK_SECONDS = 1.0


def leave_with_parent(parent: int) -> None:
    """A pool's ``initializer``: watch, in a daemon thread, for this process's parent to be other
    than ``parent`` (the server's pid, as the server saw it): the server has gone, so leave at once."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(CHECK_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()
