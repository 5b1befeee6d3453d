"""Plain SQL reads of the fleet for the operator's overview (no odoo
import): provisioning times, the warm pool, the instances that need a
person.  Servers against their limits come from saas.server's own
``_capacity_usage()`` (the figures placement reads)."""

# the reasons an instance needs care, in the order shown
ATTENTION = ("failed", "stuck", "tampered", "over_limit", "usage_error", "maintenance")


def used_ratio(used, limit):
    """Share of a limit in use, in % (None without a limit)."""
    return round(100.0 * used / limit, 1) if limit else None


def provisioning_times(cr, since):
    """(count, p50, p95) of the seconds from request to login page of the
    instances provisioned at or after ``since`` (percentile_cont: linear
    between the two nearest values); p50/p95 None when there is none."""
    cr.execute("""
        SELECT count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY provision_seconds),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY provision_seconds)
          FROM saas_instance
         WHERE provision_done_at >= %s AND provision_seconds > 0""", [since])
    return cr.fetchone()


def pool_fill(cr, pool_size):
    """(ready, making, target): the warm clones, and what the pool keeps
    (``pool_size`` per built template a plan names)."""
    cr.execute("SELECT count(*) FILTER (WHERE state = 'ready'),"
               " count(*) FILTER (WHERE state = 'making') FROM saas_pool_database")
    ready, making = cr.fetchone()
    cr.execute("""SELECT count(*) FROM saas_template t
                   WHERE t.state = 'ready' AND t.active IS NOT FALSE
                     AND EXISTS (SELECT 1 FROM saas_plan p WHERE p.template_id = t.id)""")
    return ready, making, cr.fetchone()[0] * pool_size


def attention(cr, stuck_before, limit=50):
    """{reason: (count, [(id, name, detail)] at most ``limit``)} of the
    instances that need a person: failed, stuck in provisioning since before
    ``stuck_before``, or flagged (tampered, over a limit, usage not read,
    in maintenance).  Terminated instances need nothing."""
    conditions = {
        "failed": ("state = 'failed'", "''"),
        "stuck": ("state = 'provisioning' AND provision_requested_at < %(stuck)s",
                  "coalesce(provision_step, '')"),
        "tampered": ("tampered", "coalesce(tamper_reason, '')"),
        "over_limit": ("over_limit_since IS NOT NULL", "coalesce(over_limit_reason, '')"),
        "usage_error": ("usage_error IS NOT NULL", "usage_error"),
        "maintenance": ("maintenance_reason IS NOT NULL", "maintenance_reason"),
    }
    result = {}
    for reason in ATTENTION:
        where, detail = conditions[reason]
        params = {"stuck": stuck_before, "limit": limit}
        # one query: the first rows, each with the count of all
        cr.execute(f"SELECT id, name, {detail}, count(*) OVER () FROM saas_instance"  # noqa: S608
                   f" WHERE state != 'terminated' AND {where}"
                   f" ORDER BY id DESC LIMIT %(limit)s", params)
        rows = cr.fetchall()
        count = rows[0][3] if rows else 0
        result[reason] = (count, [row[:3] for row in rows])
    return result
