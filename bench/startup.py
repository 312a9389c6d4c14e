"""lsstlite's fixed start-up cost: what every ``processFile.py`` run pays before any pixel.

``python bench/startup.py``

Imports what the pipeline imports, in the order a run meets them, and initialises Numba by
calling one cached kernel, touching no frame. Prints one ``peer-timings: {json}`` line (the
format of ``bench/peers/``) with the seconds of each step; ``bench/run.py`` runs it in the
rounds of (b) and uses it to say why the whole process is slower than the sep peer.
"""

from __future__ import annotations

import time

_T_START = time.perf_counter()

import gc  # noqa: E402
import json  # noqa: E402

gc.disable()  # as processFile.py runs (CmdLineTask.main)

_marks: dict[str, float] = {}
_last = _T_START


def _mark(name: str) -> None:
    global _last
    now = time.perf_counter()
    _marks[name] = now - _last
    _last = now


import numpy as np  # noqa: E402

_mark("numpy")
import lsstlite.tasks.processFile  # noqa: E402, F401

_mark("lsstlite")
import lsstlite.kernels  # noqa: E402, F401  (imports Numba)

_mark("numba import")
from lsstlite.kernels.clipped import clipped_sums  # noqa: E402

clipped_sums(np.zeros(4, np.float32), np.ones(4, bool), 0.0, 1.0)
_mark("numba initialisation + 1 cached kernel")

print("peer-timings: " + json.dumps({"peer": "lsstlite start-up", "nsources": 0,
                                      "total": time.perf_counter() - _T_START,
                                      "stages": _marks}))
gc.freeze()  # as processFile.py exits (CmdLineTask.main)
