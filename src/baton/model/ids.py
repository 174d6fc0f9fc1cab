"""Canonical ids: 26-character, time-ordered, ULID-style strings.

An id is 128 bits, written in Crockford base32 (``0-9A-Z`` without ``I L O U``):
a 48-bit Unix time in milliseconds, then 80 random bits from a PRNG seeded once from
``secrets`` (ids must be unique, not unguessable; ``os.urandom`` per id cost
5 % of the hot path's CPU). Ids
sort lexicographically by creation time. Within one process they are strictly
increasing: when the clock has not advanced (or went backwards) the previous id
is incremented by one instead of drawing new random bits, as in the ULID
monotonic variant.
"""

from __future__ import annotations

import random
import secrets
import threading
import time

ID_LENGTH = 26
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE = {char: index for index, char in enumerate(_ALPHABET)}
_RANDOM_BITS = 80
_MAX_VALUE = (1 << 128) - 1

_lock = threading.Lock()
_last = 0


def _encode(value: int) -> str:
    chars = []
    for _ in range(ID_LENGTH):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


_rng = random.Random(secrets.randbits(128))


def new_id() -> str:
    """Return a new id, later in sort order than every id this process made.

    Raises:
        OverflowError: Only if the 128-bit space is exhausted (not before the
            year 10889).
    """
    global _last  # noqa: PLW0603  (process-wide monotonic state, guarded by _lock)
    fresh = (time.time_ns() // 1_000_000) << _RANDOM_BITS | _rng.getrandbits(
        _RANDOM_BITS
    )
    with _lock:
        value = max(fresh, _last + 1)
        if value > _MAX_VALUE:
            raise OverflowError("id space exhausted")
        _last = value
    return _encode(value)


def id_timestamp_ms(value: str) -> int:
    """Return the Unix time in milliseconds encoded in an id.

    Args:
        value: An id from ``new_id``; lower-case letters are accepted.

    Raises:
        ValueError: If ``value`` is not 26 Crockford base32 characters.
    """
    if len(value) != ID_LENGTH:
        raise ValueError(f"an id has {ID_LENGTH} characters, got {len(value)}")
    number = 0
    for char in value.upper():
        digit = _DECODE.get(char)
        if digit is None:
            raise ValueError(f"{char!r} is not a Crockford base32 character")
        number = number * 32 + digit
    if number > _MAX_VALUE:
        raise ValueError("an id is at most 128 bits; the first character is 0-7")
    return number >> _RANDOM_BITS
