"""How a process that serves requests treats Python's garbage collector, once its app is built:
wsgi.py (production) does this, and so do the benchmarks that time the app.

- Everything alive by then (the app, its modules and OpenAPI document, the form definitions)
  lives as long as the process: `gc.freeze` keeps it out of the collector's full passes, which
  otherwise walk it every few requests.
- A large response allocates many short-lived containers: a league table of 2,000 branches some
  100,000. At the default young-generation threshold (700 allocations) that is about 40
  collections per request, 5-6 ms of its 50; at 50,000 it is one or two. Garbage in reference
  cycles then waits a little longer to be freed: a few megabytes at most.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION_THRESHOLD = 50_000


def prepare_process() -> None:
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, old)
