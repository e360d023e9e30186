"""The garbage collector of a serving worker, settled once start-up is done.

Measured on the application detail (docs/performance.md): after start-up a worker holds
the schema, the plugins, the models and the OCR sessions, and each of CPython's full
collections walked all of it: 70 to 110 ms, several times a minute under load, which
was the detail's p99. ``gc.freeze()`` moves what start-up made into a generation the
collector no longer walks (a full collection then took 5 to 12 ms), and a higher
threshold for the youngest generation collects the requests' short-lived containers
less often (the default, 700, ran a collection several times per request). With both,
one worker answered the detail about a quarter faster and its p99 halved.

Only long-running servers call this: frozen objects are never freed, so a process that
builds many apps (the tests) would keep every one.
"""

from __future__ import annotations

import gc

# Container allocations (net of frees) between collections of the youngest generation,
# then young collections per middle one and middle per full one.
THRESHOLDS = (20_000, 20, 20)


def settle_after_startup() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
