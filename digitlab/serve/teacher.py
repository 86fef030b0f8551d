"""Who the class's teacher is: whoever gives the teacher key (`$DIGITLAB_TEACHER_KEY`, compared in
constant time, wrong guesses slowed) or signs in with an address listed in `$DIGITLAB_TEACHERS`.

A browser that gave the key keeps a teacher pass (a cookie until the browser closes): not the key,
but an expiry time signed with the store's secret and the key, so a reload or a new tab keeps the
teacher signed in, and a new key ends every pass."""

from __future__ import annotations

import hashlib
import hmac
import time

from digitlab import settings
from digitlab.language import _
from digitlab.serve.last_minute import LastMinute
from digitlab.serve.workspaces import token_key

PASS_HOURS = 12  # a teacher pass lasts a school day at most


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
            raise TooManyGuesses(_("Too many wrong keys: wait a minute before you try again."))
        if is_teacher_key(given):
            return True
        for name in who:
            WRONG_KEYS.add(name)
        return False


def is_teacher_address(address: str | None) -> bool:
    """True when a signed-in `address` is among `$DIGITLAB_TEACHERS` (commas or spaces between them)."""
    return bool(address) and address.strip().lower() in settings.current().teachers


def teacher_pass(now: float | None = None) -> str:
    """A pass for a browser that gave the teacher key: "<expiry>.<signature>", good for PASS_HOURS."""
    expires = int((time.time() if now is None else now) + PASS_HOURS * 3600)
    return f"{expires}.{pass_signature(expires)}"


def pass_signature(expires: int) -> str:
    key = settings.current().teacher_key or ""
    message = f"teacher until {expires} with key {hashlib.sha256(key.encode()).hexdigest()}"
    return hmac.new(token_key(), message.encode(), hashlib.sha256).hexdigest()


def is_teacher_pass(value: str | None, now: float | None = None) -> bool:
    """True for a pass this store made under today's teacher key that has not expired."""
    if not isinstance(value, str) or not value or not settings.current().teacher_key:
        return False
    expires, _dot, signature = value.partition(".")
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 12):
        return False
    if int(expires) < (time.time() if now is None else now):
        return False
    return hmac.compare_digest(signature.encode(), pass_signature(int(expires)).encode())
