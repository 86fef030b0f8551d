"""How often each source (a client address, a session) did something in the last minute: the
limits on new workspaces (workspaces.py) and on teacher-key guesses (teacher.py)."""

from __future__ import annotations

import threading
import time
from collections import deque


class LastMinute:
    """Per source, when it did the thing, for the last 60 seconds. Hold `lock` around a count and
    the add that depends on it."""

    def __init__(self):
        self.times: dict[object, deque[float]] = {}
        self.lock = threading.Lock()

    def count(self, source: object) -> int:
        """How many times `source` did it in the last minute (every older time, of every source, forgotten)."""
        now = time.monotonic()
        for name in list(self.times):
            while self.times[name] and now - self.times[name][0] > 60:
                self.times[name].popleft()
            if not self.times[name]:
                del self.times[name]
        return len(self.times.get(source, ()))

    def add(self, source: object) -> None:
        self.times.setdefault(source, deque()).append(time.monotonic())
