"""saas_provisioning/pipeline.py and adapters/neutralise.py without Odoo:
the steps in order, the retry-or-fail table, the reconciler's decisions, and
the one neutralisation's statements."""
import sys
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from plainimport import load_folder  # noqa: E402

load_folder("_saas_prov_plain", REPO / "saas_provisioning")
from _saas_prov_plain import pipeline  # noqa: E402
from _saas_prov_plain.adapters import errors, neutralise  # noqa: E402


def test_the_steps_in_order():
    done, seen = pipeline.RESERVED, []
    while step := pipeline.next_step(done):
        seen.append(step)
        done = step
    assert seen == ["clone", "filestore", "customise", "verify"]
    assert pipeline.next_step(False) == "clone"
    assert pipeline.next_step(pipeline.POOLED_STEP) == "customise", "a warm clone skips two"
    with pytest.raises(ValueError):
        pipeline.next_step("dance")


def test_only_a_clone_goes_on_the_capped_channel():
    assert pipeline.channel("clone") == pipeline.PROVISION_CHANNEL
    assert {pipeline.channel(step) for step in pipeline.STEPS[1:]} == {pipeline.DEFAULT_CHANNEL}


@pytest.mark.parametrize("operation, exc, expected", [
    ("provision", errors.DatabaseNotOursError("x"), (pipeline.FAIL, None)),
    ("provision", errors.TemplateOutdatedError("x"), (pipeline.FAIL, None)),
    # busy is an AdapterError too: the first row that matches decides
    ("provision", errors.TemplateBusyError("x"), (pipeline.RETRY, 1)),
    ("provision", errors.ServerUnreachableError("x"), (pipeline.RETRY, 5)),
    ("provision", errors.TenantRefusedError("x"), (pipeline.RETRY, 5)),
    ("provision", requests.ConnectionError("x"), (pipeline.RETRY, 5)),
    ("provision", errors.OdooCliError("x"), (pipeline.RETRY, 5)),
    ("provision", KeyError("x"), None),
    ("terminate", errors.ServerUnreachableError("x"), (pipeline.RETRY, 10)),
    ("terminate", errors.OdooCliError("x"), None),
    ("update", errors.OdooCliError("x"), (pipeline.FAIL, None)),
    ("update", errors.TenantRefusedError("x"), (pipeline.FAIL, None)),
    ("update", requests.ConnectionError("x"), None),
])
def test_retry_or_fail(operation, exc, expected):
    assert pipeline.outcome(operation, exc) == expected


def test_an_odoo_cli_error_is_no_adapter_error():
    # callers that catch AdapterError alone must not start catching it
    assert not issubclass(errors.OdooCliError, errors.AdapterError)


@pytest.mark.parametrize("job_state, done, action", [
    ("started", "clone", pipeline.SKIP),
    ("pending", pipeline.RESERVED, pipeline.SKIP),
    ("failed", "clone", pipeline.FAIL_STUCK),
    (None, "clone", pipeline.RESUME),
    ("done", "customise", pipeline.RESUME),
    (None, "verify", pipeline.FINISH),
    ("cancelled", "verify", pipeline.FINISH),
])
def test_the_reconciler(job_state, done, action):
    assert pipeline.reconcile(job_state, done) == action


def test_a_template_loses_mail_and_licence_and_keeps_its_crons():
    statements = neutralise.statements(neutralise.TEMPLATE)
    sql = " ".join(query for query, _params in statements)
    assert "ir_mail_server SET active = false" in sql
    assert "ir_cron" not in sql, "a template's crons are its tenants'"
    assert ("DELETE FROM ir_config_parameter WHERE key IN %s",
            (neutralise.DROPPED_PARAMS,)) in statements
    script = neutralise.template_script()
    compile(script, "<template script>", "exec")
    assert "_pregenerate_assets_bundles" in script and "NEUTRALISED" in script
    assert "role" not in script.lower(), "never a role switch"


def test_a_copy_gets_odoo_neutralisation_then_a_new_identity():
    statements = neutralise.statements(neutralise.COPY, ["UPDATE ir_cron SET active = false"],
                                       base_url="https://a.example.com/")
    assert statements[0] == ("UPDATE ir_cron SET active = false", None)
    params = dict(p for _q, p in statements[1:])
    assert set(params) == {"database.uuid", "database.secret", "web.base.url"}
    assert params["web.base.url"] == "https://a.example.com"
    again = dict(p for _q, p in neutralise.statements(neutralise.COPY))
    assert again["database.uuid"] != params["database.uuid"]
    assert again["database.secret"] != params["database.secret"]
    with pytest.raises(ValueError):
        neutralise.statements("other")


def test_identity_keeps_a_given_uuid():
    ident = neutralise.identity("https://b.example.com", db_uuid="1234")
    assert ident["database.uuid"] == "1234"
    assert len(ident["database.secret"]) == 64
    assert "web.base.url" not in neutralise.identity()
