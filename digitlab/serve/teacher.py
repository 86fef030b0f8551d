"""Who the class's teacher is: whoever gives the teacher key (`$DIGITLAB_TEACHER_KEY`, compared in
constant time, wrong guesses slowed) or signs in with an address listed in `$DIGITLAB_TEACHERS`."""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque

from digitlab import settings


def is_teacher_key(given: str | None) -> bool:
    """True when `given` is this server's teacher key (none set: nobody is the teacher by key)."""
    key = settings.current().teacher_key
    if not key or not given:
        return False
    return hmac.compare_digest(given.encode(), key.encode())


WRONG_KEYS_PER_MINUTE = 5  # from one address, or one session: then the key is not even checked for a minute
WRONG_KEYS: dict[str, deque[float]] = {}  # who (an address, a session) -> when they gave a wrong key
WRONG_KEYS_LOCK = threading.Lock()


class TooManyGuesses(ValueError):
    """Too many wrong teacher keys from one address or session in the last minute."""


def try_teacher_key(given: str | None, *who: str) -> bool:
    """is_teacher_key, for a key someone typed: each of `who` (their address, their session) may give
    WRONG_KEYS_PER_MINUTE wrong keys a minute; past that, TooManyGuesses, and the key is not checked."""
    now = time.monotonic()
    with WRONG_KEYS_LOCK:
        for name in list(WRONG_KEYS):
            while WRONG_KEYS[name] and now - WRONG_KEYS[name][0] > 60:
                WRONG_KEYS[name].popleft()
            if not WRONG_KEYS[name]:
                del WRONG_KEYS[name]
        if any(len(WRONG_KEYS.get(name, ())) >= WRONG_KEYS_PER_MINUTE for name in who):
            raise TooManyGuesses("Too many wrong keys: wait a minute before you try again.")
        if is_teacher_key(given):
            return True
        for name in who:
            WRONG_KEYS.setdefault(name, deque()).append(now)
        return False


def is_teacher_address(address: str | None) -> bool:
    """True when a signed-in `address` is among `$DIGITLAB_TEACHERS` (commas or spaces between them)."""
    return bool(address) and address.strip().lower() in settings.current().teachers
