"""moto's S3 server on loopback, started and stopped by the tests (plain
Python: used by the Odoo tests and by tests/test_backup_lib.py)."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def moto_server_path():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import devtool  # noqa: PLC0415
    finally:
        sys.path.pop(0)
    return devtool.moto_server()


class MotoServer:
    def __init__(self, port):
        self.port = port
        self.proc = None
        self.endpoint = f"http://127.0.0.1:{port}"

    def start(self, timeout=20):
        self.proc = subprocess.Popen([moto_server_path(), "-H", "127.0.0.1", "-p", str(self.port)],
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
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
