"""A real HTTP receiver on loopback for webhook tests and the benchmark.

Runs in a thread of the calling process; answers each POST with the next
status of ``statuses`` (then ``default_status``), or sleeps ``hang`` seconds
first; keeps every request (headers, body, status answered, time).
"""
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, port=0, statuses=(), default_status=200):
        self.statuses = list(statuses)
        self.default_status = default_status
        self.down = False
        self.hang = 0.0
        self.requests = []
        self.in_flight = 0
        self.retry_after = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # headers and body go out in two writes: without this, Nagle
                # and the client's delayed ACK add 40 ms to every answer
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with receiver.lock:
                    if receiver.down:
                        status = 503
                    elif receiver.statuses:
                        status = receiver.statuses.pop(0)
                    else:
                        status = receiver.default_status
                    hang = receiver.hang
                    receiver.in_flight += 1
                if hang:
                    time.sleep(hang)
                with receiver.lock:
                    receiver.in_flight -= 1
                    receiver.requests.append({
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body, "status": status, "time": time.time()})
                payload = b'{"ok": true}' if status < 300 else b"receiver says no"
                self.send_response(status)
                if status in (429, 503) and receiver.retry_after:
                    self.send_header("retry-after", str(receiver.retry_after))
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def ids(self, status=None):
        return [r["headers"].get("webhook-id") for r in self.requests
                if status is None or r["status"] == status]
