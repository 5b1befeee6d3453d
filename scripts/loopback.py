"""Real servers on loopback for tests and benchmarks, started and stopped by
pid (plain Python: used by addon tests, tests/ and bench/)."""
import os
import socket
import subprocess
import time

import devtool


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """moto's S3/Route53 server, from its own virtualenv (devtool.ensure_moto)."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None
        self.url = self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self, timeout=30):
        self.proc = subprocess.Popen([devtool.moto_server(), "-H", "127.0.0.1", "-p",
                                      str(self.port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env=dict(os.environ, PYTHONWARNINGS="ignore"))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"moto_server exited ({self.proc.returncode}); port "
                                   f"{self.port} taken?")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("moto_server did not start")

    def stop(self):
        # SIGTERM takes moto ~2 s: wait for the pid before the port is reused
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
