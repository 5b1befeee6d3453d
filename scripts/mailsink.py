"""The mail of `./dev run`: a local SMTP sink and a page that shows it.

The master's outgoing mail server points at the SMTP side (aiosmtpd); each
message it accepts is kept as an .eml file in a folder (`.run/mail/`), and a
small page (http.server) lists them newest first (time, subject,
recipients) and opens each as its HTML, links clickable, attachments (the
invoice PDF) downloadable.  Nothing leaves the machine.

A mail's HTML is someone else's page: it is shown in a sandboxed frame
(no scripts, no forms, no plugins; a link opens in the top window only when
clicked), served by this process on 127.0.0.1 while Odoo is browsed at
`localhost`, so the browser sends this page no cookie of Odoo's, and the
page answers only requests addressed to it by name (DNS rebinding).

Run with Odoo's virtualenv (aiosmtpd):
    python scripts/mailsink.py --dir .run/mail --smtp-port 2525 --http-port 8025
"""
import argparse
import email
import email.policy
import html
import http.server
import os
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

# <time in ns>-<random>: names sort by arrival and cannot name another file
MAIL_ID_RE = re.compile(r"\d{19}-[0-9a-f]{8}")
ROUTE_RE = re.compile(r"/mail/(?P<id>\d{19}-[0-9a-f]{8})(?P<rest>/body|/part/\d{1,4}|\.eml)?")
# the mail's own HTML: nothing runs, nothing is posted; a click opens the link
# in the top window (Odoo's pages may refuse to be framed)
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
BODY_CSP = (f"sandbox {SANDBOX}; default-src 'none'; img-src * data:; "
            "style-src * 'unsafe-inline'; font-src * data:")
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'"


# -- the folder ------------------------------------------------------------------

class MailStore:
    """Messages as <id>.eml files in ``folder``, each written whole (a
    reader never sees half a message)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def save(self, data, mail_from="", rcpt_tos=()):
        """Keep one message (bytes as received); returns its id.  The
        envelope (who it was really delivered to, Bcc included) goes first
        as X-Envelope-* headers."""
        self.folder.mkdir(parents=True, exist_ok=True)
        mail_id = f"{time.time_ns():019d}-{uuid.uuid4().hex[:8]}"
        envelope = (f"X-Envelope-From: {_one_line(mail_from)}\r\n"
                    f"X-Envelope-To: {_one_line(', '.join(rcpt_tos))}\r\n").encode()
        tmp = self.folder / f".{mail_id}.tmp"
        tmp.write_bytes(envelope + data)
        os.replace(tmp, self.folder / f"{mail_id}.eml")
        return mail_id

    def ids(self):
        """Every message's id, newest first."""
        if not self.folder.is_dir():
            return []
        return sorted((p.stem for p in self.folder.glob("*.eml") if MAIL_ID_RE.fullmatch(p.stem)),
                      reverse=True)

    def raw(self, mail_id):
        """The message's bytes, or None (unknown or malformed id)."""
        if not MAIL_ID_RE.fullmatch(mail_id or ""):
            return None
        path = self.folder / f"{mail_id}.eml"
        return path.read_bytes() if path.is_file() else None

    def message(self, mail_id):
        data = self.raw(mail_id)
        return None if data is None else email.message_from_bytes(data, policy=email.policy.default)

    def summaries(self):
        """[{id, time, subject, recipients, from}], newest first."""
        rows = []
        for mail_id in self.ids():
            msg = self.message(mail_id)
            if msg is not None:
                rows.append(summary(mail_id, msg))
        return rows


def _one_line(text):
    return re.sub(r"[\r\n]+", " ", text or "")


def caught_at(mail_id):
    """When the sink accepted the message (seconds since the epoch)."""
    return int(mail_id.split("-", 1)[0]) / 1e9


def summary(mail_id, msg):
    recipients = msg.get("X-Envelope-To") or ", ".join(
        str(msg.get(h)) for h in ("To", "Cc") if msg.get(h))
    return {"id": mail_id, "time": caught_at(mail_id), "subject": str(msg.get("Subject") or ""),
            "recipients": str(recipients), "from": str(msg.get("From") or "")}


def html_body(msg):
    """The message's HTML, or its text as HTML; '' when it has neither."""
    part = msg.get_body(preferencelist=("html", "plain"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        return content
    return f"<pre style='white-space: pre-wrap'>{html.escape(content)}</pre>"


def attachments(msg):
    """[(index, filename, content type, size)] of the message's attachments;
    the index opens it (``attachment``)."""
    found = []
    for index, part in enumerate(msg.iter_attachments()):
        payload = part.get_payload(decode=True) or b""
        found.append((index, part.get_filename() or f"attachment-{index}",
                      part.get_content_type(), len(payload)))
    return found


def attachment(msg, index):
    """(filename, content type, bytes) of attachment ``index``, or None."""
    for i, part in enumerate(msg.iter_attachments()):
        if i == index:
            return (part.get_filename() or f"attachment-{index}", part.get_content_type(),
                    part.get_payload(decode=True) or b"")
    return None


# -- the pages -------------------------------------------------------------------

STYLE = """<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222 }
table { border-collapse: collapse; width: 100% }
td, th { text-align: left; padding: .35em .6em; border-bottom: 1px solid #ddd; vertical-align: top }
th { color: #666; font-weight: normal; white-space: nowrap }
iframe { width: 100%; height: 70vh; border: 1px solid #ccc; margin-top: 1em }
.muted { color: #777 }
</style>"""


def _when(seconds):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def list_page(rows, smtp_address):
    esc = html.escape
    lines = [f"<tr><td class='muted'>{esc(_when(r['time']))}</td>"
             f"<td><a href='/mail/{r['id']}'>{esc(r['subject']) or '(no subject)'}</a></td>"
             f"<td>{esc(r['recipients'])}</td></tr>" for r in rows]
    table = ("<table><tr><th>Caught</th><th>Subject</th><th>Recipients</th></tr>"
             + "".join(lines) + "</table>") if rows else "<p>No mail yet.</p>"
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Mail ({len(rows)})"
            f"</title>{STYLE}</head><body><h1>Mail sent by the master</h1>"
            f"<p class='muted'>Caught by the SMTP sink at {esc(smtp_address)}; newest first; "
            "nothing leaves this machine. Reload for new mail.</p>"
            f"{table}</body></html>")


def mail_page(mail_id, msg):
    esc = html.escape
    rows = [("Subject", msg.get("Subject")), ("From", msg.get("From")), ("To", msg.get("To")),
            ("Cc", msg.get("Cc")), ("Delivered to", msg.get("X-Envelope-To")),
            ("Date", msg.get("Date")), ("Caught", _when(caught_at(mail_id)))]
    head = "".join(f"<tr><th>{name}</th><td>{esc(str(value))}</td></tr>"
                   for name, value in rows if value)
    files = "".join(
        f"<li><a href='/mail/{mail_id}/part/{index}' download>{esc(name)}</a> "
        f"<span class='muted'>{esc(ctype)}, {size:,} bytes</span></li>"
        for index, name, ctype, size in attachments(msg))
    files = f"<p>Attachments:</p><ul>{files}</ul>" if files else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
            f"{esc(str(msg.get('Subject') or 'Mail'))}</title>{STYLE}</head><body>"
            f"<p><a href='/'>&larr; all mail</a> &middot; <a href='/mail/{mail_id}.eml' "
            f"download>.eml</a></p><table>{head}</table>{files}"
            f"<iframe sandbox='{SANDBOX}' src='/mail/{mail_id}/body' "
            "referrerpolicy='no-referrer'></iframe></body></html>")


def body_document(msg):
    """The mail's HTML as sent, its links opening in the top window."""
    return "<base target='_top'>" + html_body(msg)


def content_disposition(filename):
    ascii_name = re.sub(r'[^A-Za-z0-9._ -]', "_", filename) or "attachment"
    return (f"attachment; filename=\"{ascii_name}\"; "
            f"filename*=UTF-8''{urllib.parse.quote(filename, safe='')}")


def make_handler(store, smtp_address, port):
    allowed_hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}

    class Handler(http.server.BaseHTTPRequestHandler):
        server_version = "mailsink"

        def log_message(self, *args):  # quiet: Odoo's log is beside it
            pass

        def _send(self, status, body, ctype="text/html; charset=utf-8", csp=PAGE_CSP,
                  headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-store")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.headers.get("Host") not in allowed_hosts:
                return self._send(421, "Misdirected request", "text/plain")
            path = urllib.parse.urlsplit(self.path).path
            if path == "/":
                return self._send(200, list_page(store.summaries(), smtp_address))
            route = ROUTE_RE.fullmatch(path)
            msg = route and store.message(route["id"])
            if not msg:
                return self._send(404, "No such mail", "text/plain")
            mail_id, rest = route["id"], route["rest"] or ""
            if not rest:
                return self._send(200, mail_page(mail_id, msg))
            if rest == "/body":
                return self._send(200, body_document(msg), csp=BODY_CSP)
            if rest == ".eml":
                return self._send(200, store.raw(mail_id), "message/rfc822", csp=BODY_CSP,
                                  headers=[("Content-Disposition",
                                            content_disposition(f"{mail_id}.eml"))])
            found = attachment(msg, int(rest.rsplit("/", 1)[1]))
            if not found:
                return self._send(404, "No such attachment", "text/plain")
            filename, ctype, data = found
            return self._send(200, data, ctype, csp=BODY_CSP,
                              headers=[("Content-Disposition", content_disposition(filename))])

    return Handler


# -- the servers -----------------------------------------------------------------

class SinkHandler:
    """aiosmtpd handler: every message is accepted and kept."""

    def __init__(self, store):
        self.store = store

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.store.save(envelope.original_content or envelope.content, envelope.mail_from or "",
                        envelope.rcpt_tos)
        return "250 Message accepted for delivery"


class MailSink:
    """The SMTP side (a thread of aiosmtpd's) and the page (http.server,
    threaded), both on ``host``; ``start()`` returns once both listen."""

    def __init__(self, folder, smtp_port, http_port, host="127.0.0.1"):
        self.store = MailStore(folder)
        self.host, self.smtp_port, self.http_port = host, smtp_port, http_port
        self.smtp = self.http = self._thread = None

    @property
    def url(self):
        return f"http://{self.host}:{self.http_port}"

    def start(self):
        from aiosmtpd.controller import Controller  # noqa: PLC0415 (Odoo's venv only)

        handler = make_handler(self.store, f"{self.host}:{self.smtp_port}", self.http_port)
        self.http = http.server.ThreadingHTTPServer((self.host, self.http_port), handler)
        self.http.daemon_threads = True
        try:
            # a port taken would only show as aiosmtpd's 5 s ready timeout
            with socket.socket() as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((self.host, self.smtp_port))
            self.smtp = Controller(SinkHandler(self.store), hostname=self.host,
                                   port=self.smtp_port)
            self.smtp.start()
        except Exception:
            self.http.server_close()
            self.http = self.smtp = None
            raise
        return self

    def serve_forever(self):
        self.http.serve_forever()

    def serve_in_thread(self):
        """Serve the page from a thread (tests); ``stop()`` ends it."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self.http:
            if self._thread:
                self.http.shutdown()
                self._thread.join()
            self.http.server_close()
        if self.smtp:
            self.smtp.stop()


def _interrupt(_signum, _frame):
    """SIGTERM (./dev run stopping it) ends the loop as Ctrl-C does."""
    raise KeyboardInterrupt


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True, help="where the .eml files are kept")
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--http-port", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        sink = MailSink(args.dir, args.smtp_port, args.http_port).start()
    except OSError as exc:
        sys.exit(f"[mail] cannot listen on 127.0.0.1 ports {args.smtp_port}/{args.http_port}: "
                 f"{exc}")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        sink.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
