"""The uptime probe (saas_provisioning/tools/uptime_probe.py) against a
real HTTP server on loopback that answers as the router does, and the
portal's SVG charts (saas_portal/charts.py), without a registry."""
import http.server
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from loopback import http_server  # noqa: E402
from plainimport import load_file  # noqa: E402

uptime_probe = load_file("_saas_uptime_probe", REPO / "saas_provisioning" / "tools" / "uptime_probe.py")
charts = load_file("_saas_portal_charts", REPO / "saas_portal" / "charts.py")


class RouterLike(http.server.BaseHTTPRequestHandler):
    """Answers by Host: warm.test the login page, cold.test the router's
    cold answer (only to a probe), stopped.test a redirect to the database
    selector, suspended.test the router's 403; records each request."""

    seen = []

    def do_GET(self):  # noqa: N802
        host = self.headers.get("Host")
        RouterLike.seen.append((host, self.path, self.headers.get("X-Saas-Probe")))
        if host == "warm.test":
            self._answer(200, {}, b'<form><input name="login"/></form>')
        elif host == "cold.test" and self.headers.get("X-Saas-Probe"):
            self._answer(200, {"X-Saas-Probe": "cold"}, b"ok\n")
        elif host == "suspended.test":
            self._answer(403, {"X-Saas-Refused": "suspended"}, b"suspended")
        else:
            self._answer(303, {"Location": "/web/database/selector"}, b"")

    def _answer(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def router():
    RouterLike.seen = []
    with http_server(RouterLike) as port:
        yield f"http://127.0.0.1:{port}"


def test_probe_all_reads_each_answer(router):
    hosts = ["warm.test", "cold.test", "stopped.test", "suspended.test"] * 5
    targets = [uptime_probe.Target(n, router, host) for n, host in enumerate(hosts)]
    outcomes = uptime_probe.probe_all(targets, probers=4)
    assert len(outcomes) == 20
    for n, host in enumerate(hosts):
        outcome = outcomes[n]
        assert outcome.up is (host in ("warm.test", "cold.test")), (host, outcome)
        assert outcome.cold is (host == "cold.test")
        assert outcome.ms is not None and outcome.ms > 0
    assert outcomes[2].error == "HTTP 303 to /web/database/selector"
    assert outcomes[3].error == "HTTP 403 (suspended)"
    # every probe asked the login page, with the probe header and the tenant's host
    assert sorted(RouterLike.seen) == sorted((h, "/web/login", "1") for h in hosts)


def test_probe_of_a_server_that_does_not_answer():
    outcome = uptime_probe.probe(uptime_probe.Target(1, "http://127.0.0.1:9", "x.test"),
                                 timeout=2)
    assert not outcome.up and outcome.ms is None
    assert "ConnectionError" in outcome.error


def test_streak_and_hour():
    down, up = uptime_probe.Outcome(False), uptime_probe.Outcome(True, 5.0)
    count = 0
    for outcome, expected in ((down, 1), (down, 2), (down, 3), (up, 0), (down, 1)):
        count = uptime_probe.streak(count, outcome)
        assert count == expected
    assert uptime_probe.hour_of(datetime(2031, 1, 2, 3, 44, 5, 6)) == datetime(2031, 1, 2, 3)


def test_line_chart_points_scale_and_escaping():
    t0 = datetime(2031, 1, 1)
    svg = str(charts.line_chart(
        [("avg", [(t0, 10.0), (t0 + timedelta(hours=2), 40.0)]),
         ("<max>", [(t0 + timedelta(hours=1), 80.0)])],
        unit="ms", label="Response & time", css_class="o_x"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'data-points="3"' in svg and 'data-max="80"' in svg
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1  # one point: no line
    assert "&lt;max&gt;" in svg and "<max>" not in svg
    assert "Response &amp; time" in svg
    # the highest point touches the top of the plot, the first the left axis
    assert f'cx="{charts.PAD_LEFT:.1f}"' in svg
    assert f'cy="{charts.PAD_TOP:.1f}"' in svg
    assert charts.line_chart([("empty", [])]) == ""
