"""Retry delays: exponential backoff with full jitter (plain Python).

delay(n) = uniform(0, min(cap, base * 2**n)) seconds, at least ``floor``.
With the defaults (base 30 s, cap 6 h) an endpoint that keeps failing is
tried about 15 times in its first three days; ``disable_after`` (72 h)
ends it.
"""
import random

RETRYABLE_STATUS = frozenset({429}) | frozenset(range(500, 600))


def is_retryable_status(status):
    return status in RETRYABLE_STATUS


def retry_delay(failures, base=30.0, cap=6 * 3600.0, floor=1.0, rng=random):
    """Seconds to wait after the ``failures``-th consecutive failure (1-based)."""
    exponent = min(max(failures - 1, 0), 40)
    ceiling = min(cap, base * (2 ** exponent))
    return max(floor, rng.uniform(0, ceiling))
