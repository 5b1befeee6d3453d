"""Usage, in plain Python (no Odoo): which figures the master reads from
each tenant, what it ships back to it, and how the figures are judged
against the plan.  The models (saas_instance_measure.py, _limits.py) read
and act; tools/usage_reader.py reads many tenants at once.
"""
from datetime import timedelta

from .adapters.contract import tenant_contract as contract

MB = 2**20
# The figures of a measure, written on the instance and its history
# (saas.instance.usage): internal users (read as the tenant's role, row
# security off), the database's size and the filestore's.
FIGURES = ("user_count", "db_size_mb", "filestore_size_mb")
# The storage figure is shipped to the tenant when it moved this much since
# the last measure, or when that measure is this old.
SHIP_WHEN_MOVED_MB = 1.0
SHIP_AT_LEAST_EVERY = timedelta(hours=24)
# The limits of a plan a measure can be over.
USERS, STORAGE = "users", "storage"


def figures(users, db_bytes, filestore_bytes):
    """The values of FIGURES for one measure."""
    return {"user_count": users, "db_size_mb": db_bytes / MB,
            "filestore_size_mb": filestore_bytes / MB}


def used_mb(db_mb, filestore_mb):
    """Storage as the plan counts it: database plus filestore, in MB."""
    return (db_mb or 0.0) + (filestore_mb or 0.0)


def storage_settings(used, shipped, last_measured, now, plans):
    """The settings that ship the storage figure ``used`` (MB) measured at
    ``now`` to the tenant (saas_tenant's quota counts the uploads made since
    on top of it), or None when the figure ``shipped`` at ``last_measured``
    is fresh and barely moved: not worth a session of the master in every
    tenant at each sweep.  ``plans``: ``plans_setting()``."""
    fresh = last_measured and now - last_measured < SHIP_AT_LEAST_EVERY
    if fresh and abs(used - shipped) < SHIP_WHEN_MOVED_MB:
        return None
    return contract.encode_all({contract.STORAGE_USED_MB: float(used),
                                contract.STORAGE_MEASURED_AT: now,
                                contract.STORAGE_PLANS: plans})


def plans_setting(plans):
    """The published plans' storage, ``[(name, max_storage_mb)]`` in the
    order offered, as the tenant reads them (the plan that would fit names
    itself in a refusal)."""
    return contract.encode(contract.STORAGE_PLANS, [
        {"name": name, "max_storage_mb": max_mb or 0} for name, max_mb in plans])


def over_limits(user_count, max_users, used, max_storage_mb):
    """{USERS: (count, max), STORAGE: (MB used, max)} for each limit of the
    plan (0: none) the measure is over."""
    over = {}
    if max_users and user_count > max_users:
        over[USERS] = (user_count, max_users)
    if max_storage_mb and used > max_storage_mb:
        over[STORAGE] = (used, max_storage_mb)
    return over


CLEAR, NOTICE, SUSPEND = "clear", "notice", "suspend"


def limit_actions(over, over_since, now, grace_days):
    """What a measure leads to, in order: CLEAR (back within the plan, it
    was over), NOTICE (just found over: tell the customer), SUSPEND (still
    over once ``grace_days`` from ``over_since``, or from now, passed)."""
    if not over:
        return (CLEAR,) if over_since else ()
    actions = () if over_since else (NOTICE,)
    if now >= (over_since or now) + timedelta(days=grace_days):
        actions += (SUSPEND,)
    return actions
