"""Fake headroom package for tsheadroom's worker tests.

It stands in for headroom-ai so the Go supervisor can be tested against a
real Python process whose misbehaviour is chosen by the input: the text of
the message being compressed carries FAKE:<directive> words (see compress.py).
"""

import os
import sys

if os.environ.get("FAKE_HEADROOM_IMPORT_ERROR"):
    raise ImportError("fake headroom: import failure requested")

# A stray print at import time: must end up in the log, not the protocol.
print("fake headroom: imported (stray stdout print)")

__version__ = "0.0.0-fake"

from .compress import compress  # noqa: E402,F401
