"""What `./dev run` does once the master answers: make the demo true.

The demo data defines a server, the "Small" template, two plans and a few
customers' instances in draft (and one failed).  Here, through the running
server and its job runner, as an administrator would: the template is built
(once: it is kept with the master database), the demo instances are
provisioned for real (Gemini Furniture is then suspended, as its trial
ended), and the demo portal customer (login `portal`, password `portal`)
gets a tenant at `demo.<base_domain>`.  Every step is skipped when done, so
a second `./dev run` is ready in seconds.
"""
import time
import urllib.error
import urllib.request

from odoo_rpc import Rpc


def say(msg):
    print(f"[demo] {msg}", flush=True)


def status(url, host=None):
    """HTTP status of a GET of ``url`` (sent with ``host`` as its Host
    header); the standard library only: `./dev` runs on the system Python."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def xmlid(rpc, module, name):
    rows = rpc("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)],
               ["res_id"])
    return rows[0]["res_id"] if rows else None


def wait_state(rpc, model, rec_id, done, timeout):
    state = rpc.wait(model, rec_id, "state", done + ("failed",), timeout=timeout, interval=0.5)
    if state not in done:
        raise RuntimeError(f"{model} {rec_id} is {state}: see its chatter/log in the backend")
    return state


def ensure_template(rpc, template_id):
    state = rpc("saas.template", "read", [template_id], ["state"])[0]["state"]
    if state == "ready":
        return
    say("building the demo template (base, web, portal): about a minute, once")
    t0 = time.time()
    if state != "building":
        rpc("saas.template", "action_build", [template_id])
    wait_state(rpc, "saas.template", template_id, ("ready",), timeout=900)
    say(f"template ready in {time.time() - t0:.0f}s")


def ensure_active(rpc, instance_id):
    row = rpc("saas.instance", "read", [instance_id], ["state", "name"])[0]
    if row["state"] == "draft":
        rpc("saas.instance", "request_provisioning", [instance_id])
    if row["state"] in ("draft", "provisioning"):
        wait_state(rpc, "saas.instance", instance_id, ("active",), timeout=300)
        say(f"{row['name']}: active")
    return rpc("saas.instance", "read", [instance_id], ["state", "url"])[0]


MAIL_SERVER = "Local mail sink (./dev run)"


def ensure_mail_sink(rpc, smtp_port):
    """The master's outgoing mail goes to the SMTP sink of `./dev run`
    (devtool.start_mail_sink): an outgoing mail server record of the master
    only, first in sequence.  Not Odoo's smtp_* options: those are the
    fallback of every database the server serves, and tenants (clones of a
    template whose mail servers were switched off) would send through
    them.  The mail queue is sent every minute here (Odoo's default: every
    hour) so that invoices and reminders queued by the billing crons
    arrive while one looks."""
    values = {"name": MAIL_SERVER, "smtp_host": "127.0.0.1", "smtp_port": smtp_port,
              "smtp_encryption": "none", "smtp_authentication": "login", "smtp_user": False,
              "smtp_pass": False, "from_filter": False, "sequence": 1, "active": True}
    found = rpc("ir.mail_server", "search", [("name", "=", MAIL_SERVER)],
                context={"active_test": False})
    if found:
        rpc("ir.mail_server", "write", found, values)
    else:
        rpc("ir.mail_server", "create", values)
    cron = xmlid(rpc, "mail", "ir_cron_mail_scheduler_action")
    if cron:
        rpc("ir.cron", "write", [cron], {"interval_number": 1, "interval_type": "minutes"})


def bootstrap(url, db, base_url, mail=None, tenants_url=None):
    """``url``: the master's server; ``base_url``: the public address (its
    port names the tenants); ``mail``: (SMTP port, page URL) of the mail
    sink, or None; ``tenants_url``: the server of the tenants when apart
    from the master's (`./dev run --workers`)."""
    rpc = Rpc(url, db, "admin", "admin")
    if mail:
        ensure_mail_sink(rpc, mail[0])
    # the base domain is odoo.conf's ([saas_router] base_domain = localhost);
    # the tenants' URLs carry the port of the public address, unless one is set
    if not rpc("ir.config_parameter", "get_param", "saas_base.url_port"):
        rpc("ir.config_parameter", "set_param", "saas_base.url_port",
            base_url.rsplit(":", 1)[1])
    server_id = xmlid(rpc, "saas_base", "saas_server_local")
    template_id = xmlid(rpc, "saas_base", "saas_template_small")
    if not (server_id and template_id):
        say("no demo data in this master database: nothing to prepare")
        return
    # the demo server record calls this Odoo server back (verify step), and
    # tenants are named under the port it listens on
    rpc("saas.server", "write", [server_id], {"odoo_url": tenants_url or url})
    ensure_template(rpc, template_id)
    for name in ("saas_instance_deco", "saas_instance_gemini_trial", "saas_instance_gemini"):
        instance_id = xmlid(rpc, "saas_base", name)
        if instance_id:
            ensure_active(rpc, instance_id)
    gemini = xmlid(rpc, "saas_base", "saas_instance_gemini")
    if gemini and rpc("saas.instance", "read", [gemini], ["state"])[0]["state"] == "active":
        rpc("saas.instance", "action_suspend", [gemini], "Invoice overdue (demo)")
        say("Gemini Furniture: suspended (invoice overdue)")
    # the demo portal customer's own tenant
    partner_id = xmlid(rpc, "base", "partner_demo_portal")
    plan_id = xmlid(rpc, "saas_base", "saas_plan_starter")
    found = rpc("saas.instance", "search", [("subdomain", "=", "demo"),
                                            ("state", "!=", "terminated")])
    instance_id = found[0] if found else rpc("saas.instance", "create", {
        "name": "Demo Company", "subdomain": "demo", "partner_id": partner_id,
        "plan_id": plan_id, "admin_login": "admin"})
    demo = ensure_active(rpc, instance_id)
    # a warm pool of 2 (as an administrator sets it, in the settings): the
    # next signups only customise a clone made ahead
    if not int(rpc("ir.config_parameter", "get_param", "saas_provisioning.pool_size") or 0):
        settings = rpc("res.config.settings", "create", {"saas_pool_size": 2})
        rpc("res.config.settings", "execute", [settings])
        say("warm pool: 2 clones per template in use (SaaS > Configuration > Warm Pool)")
    host = demo["url"].split("://", 1)[1].rstrip("/")
    say(f"tenant {demo['url']}: login page {status((tenants_url or url) + '/web/login', host)}")
    say("what to try:")
    say(f"  backend       {base_url}/odoo  (admin / admin): SaaS > Instances, Templates, Plans")
    if mail:
        say(f"  signup        {base_url}/saas/signup  (submit, open the mail page, click the "
            "link: you are in your new tenant)")
        say(f"  mail          {mail[1]}  (what the master sends: sign-up links, welcome, "
            "invoices with their PDF, reminders, pay links)")
    else:
        say(f"  signup        {base_url}/saas/signup  (a new tenant in about a second)")
    say(f"  customer      {base_url}/my/saas  (portal / portal): 'Open' signs in to its tenant")
    say(f"  tenant        {demo['url']}")
