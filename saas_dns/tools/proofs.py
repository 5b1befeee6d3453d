"""The life of a custom domain's proof, as plain Python (no registry, the
clock given by the caller).

- A *pending* claim (no proof yet) holds nothing: it expires after
  :data:`PENDING_TTL`, and another customer may claim the same name
  meanwhile; only a verified name is unique.
- A verified domain's proof is checked again daily (:func:`recheck`).  When
  it has been gone for :data:`PROOF_GRACE` the domain stops routing
  ("lapsed"); a proof back in time clears the count.  A DNS server that does
  not answer says nothing about the proof: it neither starts nor clears the
  count.
"""
from datetime import timedelta

from . import verify

PENDING_TTL = timedelta(hours=72)
PROOF_GRACE = timedelta(days=3)

KEPT, MISSING, LAPSED, UNKNOWN = "kept", "missing", "lapsed", "unknown"


def pending_expired(created, now, ttl=PENDING_TTL):
    """A pending claim made at ``created`` is dropped at ``now``."""
    return now - created >= ttl


def outcome(proof_found, missing_since, now, grace=PROOF_GRACE):
    """(outcome, missing_since to store) after one check.

    ``proof_found``: True, False, or None (the DNS server did not answer)."""
    if proof_found is None:
        return UNKNOWN, missing_since
    if proof_found:
        return KEPT, None
    since = missing_since or now
    return (LAPSED if now - since >= grace else MISSING), since


def recheck(domain, token, target_host, server, port, missing_since, now,
            grace=PROOF_GRACE, timeout=3.0):
    """Ask the DNS server for the proof again: (outcome, missing_since, what
    was found)."""
    try:
        found, how = verify.check_ownership(domain, token, target_host, server, port,
                                            timeout=timeout)
    except verify.VerificationError as exc:
        return (*outcome(None, missing_since, now, grace), str(exc))
    return (*outcome(found, missing_since, now, grace), how)
