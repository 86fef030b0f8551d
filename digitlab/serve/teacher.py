"""Who the class's teacher is: whoever gives the teacher key (`$DIGITLAB_TEACHER_KEY`, compared in
constant time, wrong guesses slowed) or signs in with an address listed in `$DIGITLAB_TEACHERS`."""

from __future__ import annotations

import hmac

from digitlab import settings
from digitlab.serve.last_minute import LastMinute


def is_teacher_key(given: str | None) -> bool:
    """True when `given` is this server's teacher key (none set: nobody is the teacher by key)."""
    key = settings.current().teacher_key
    if not key or not given:
        return False
    return hmac.compare_digest(given.encode(), key.encode())


WRONG_KEYS_PER_MINUTE = 5  # from one address, or one session: then the key is not even checked for a minute
WRONG_KEYS = LastMinute()  # who (an address, a session) -> when they gave a wrong key


class TooManyGuesses(ValueError):
    """Too many wrong teacher keys from one address or session in the last minute."""


def try_teacher_key(given: str | None, *who: str) -> bool:
    """is_teacher_key, for a key someone typed: each of `who` (their address, their session) may give
    WRONG_KEYS_PER_MINUTE wrong keys a minute; past that, TooManyGuesses, and the key is not checked."""
    with WRONG_KEYS.lock:
        if any(WRONG_KEYS.count(name) >= WRONG_KEYS_PER_MINUTE for name in who):
            raise TooManyGuesses("Too many wrong keys: wait a minute before you try again.")
        if is_teacher_key(given):
            return True
        for name in who:
            WRONG_KEYS.add(name)
        return False


def is_teacher_address(address: str | None) -> bool:
    """True when a signed-in `address` is among `$DIGITLAB_TEACHERS` (commas or spaces between them)."""
    return bool(address) and address.strip().lower() in settings.current().teachers
