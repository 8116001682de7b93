"""One shared thread pool for kernels that release the GIL (numba ``nogil=True``).

Numba's ``prange`` would do the same job, but each parallel function costs seconds more compilation on a
cold start; a plain pool of ``numba.get_num_threads()`` threads (so ``numba.set_num_threads`` and
``NUMBA_NUM_THREADS`` still decide) runs the tasks instead, and is kept between calls so a small grid does
not pay for starting threads.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0


def _forget_pool() -> None:
    """In a forked child the pool's threads are gone: start a new pool there on first use."""
    global _pool, _pool_size, _lock
    _pool, _pool_size, _lock = None, 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _executor(size: int) -> ThreadPoolExecutor:
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size != size:
            if _pool is not None:
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(size, thread_name_prefix="terrain")
            _pool_size = size
        return _pool


def run_all(task, items) -> list:
    """[task(item) for item in items], on numba.get_num_threads() threads (in this thread if that is 1);
    items are started in order, so put the longest first."""
    items = list(items)
    size = min(numba.get_num_threads(), len(items))
    if size <= 1 or threading.current_thread().name.startswith("terrain"):  # nested: no waiting on our own pool
        return [task(item) for item in items]
    return list(_executor(numba.get_num_threads()).map(task, items))
