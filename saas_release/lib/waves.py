"""Rollout waves: a canary share first, then the rest; the stop rule.
Plain Python.
"""
import math


def plan(ids, canary_share):
    """[canary, rest]: ``canary_share`` (0..1] of ``ids`` (at least one when
    there are any), in the given order; the rest in the second wave."""
    ids = list(ids)
    if not 0 < canary_share <= 1:
        raise ValueError(f"canary share {canary_share!r} must be in (0, 1]")
    if not ids:
        return [[], []]
    size = max(1, math.ceil(len(ids) * canary_share))
    return [ids[:size], ids[size:]]


def failure_rate(failed, size):
    return failed / size if size else 0.0


def must_stop(failed, size, max_failure_rate):
    """A wave of ``size`` tenants stops (its remaining ones are not updated,
    no later wave starts) as soon as its failures exceed
    ``max_failure_rate`` of its size."""
    return failure_rate(failed, size) > max_failure_rate
