"""Real servers on loopback for tests and benchmarks, started by the test
and stopped by pid (plain Python: used by addon tests, tests/ and bench/)."""
import contextlib
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time

import devtool


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def http_server(handler):
    """A threaded HTTP server on a free loopback port answering with
    ``handler`` (a BaseHTTPRequestHandler class), in a thread of this
    process; yields its port, shut down when the block ends."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def wait_until(check, timeout, what, proc=None, interval=0.05):
    """Poll ``check()`` until it is true; an exception of it counts as not
    yet.  Raises when ``proc`` exits or after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if check():
                return
        except OSError:  # not answering yet (requests errors are OSErrors too)
            pass
        time.sleep(interval)
    raise RuntimeError(f"{what} did not start in {timeout}s")


class LoopbackProcess:
    """A server process of a test: ``proc``, and ``tmp`` (its own folder,
    removed on stop) when it has one."""

    proc = None
    tmp = None

    def stop(self):
        # moto takes ~2 s after SIGTERM: wait for the pid before the port is reused
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _accepts(port):
    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
        return True


class MotoServer(LoopbackProcess):
    """moto's S3/Route53 server, from its own virtualenv (devtool.ensure_moto)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.url = self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        self.proc = subprocess.Popen([devtool.moto_server(), "-H", "127.0.0.1", "-p",
                                      str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=dict(os.environ, PYTHONWARNINGS="ignore"))
        try:
            wait_until(lambda: _accepts(self.port), timeout, "moto_server", self.proc,
                       interval=0.1)
        except RuntimeError:
            self.stop()
            raise
        return self
