"""Single-query searches run on the calling thread only.

FAISS parallelises a one-query search with OpenMP; on 2 shared cores that is no faster when idle and
far slower when the other core is busy (an exact search over 20k vectors took 48 ms with 2 threads
instead of 1.4 ms with one, while a build ran beside it). OpenMP's thread count is per calling thread
(libgomp), so setting it here leaves builds and other threads alone.
"""

from __future__ import annotations

from contextlib import contextmanager

import faiss


@contextmanager
def one_thread():
    before = faiss.omp_get_max_threads()
    if before == 1:
        yield
        return
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)
