"""The mail sink of `./dev run` (scripts/mailsink.py), without Odoo: a real
SMTP client (smtplib) sends to the real aiosmtpd server, and the page is read
over HTTP as a browser would."""
import smtplib
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import mailsink  # noqa: E402
from loopback import free_port  # noqa: E402

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def sink(tmp_path):
    sink = mailsink.MailSink(tmp_path / "mail", free_port(), free_port()).start().serve_in_thread()
    yield sink
    sink.stop()


def send(sink, subject, to="ann@example.com", bcc=(), html=None, text="plain text",
         pdf=None):
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, "Billing <billing@example.com>", to
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    if pdf:
        msg.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename="INV/2026/00001.pdf")
    with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=30) as smtp:
        smtp.send_message(msg, to_addrs=[to, *bcc])


def get(sink, path, **kw):
    return requests.get(sink.url + path, timeout=30, **kw)


def mail_links(page):
    return [part.split("'", 1)[0] for part in page.split("<a href='/mail/")[1:]]


def test_invoice_mail_listed_opened_and_its_pdf_downloaded(sink):
    before = time.time()
    send(sink, "Invoice INV/2026/00001", bcc=["audit@example.com"], pdf=PDF,
         html="<p>Your invoice. <a href='http://localhost:8069/my/invoices/7?x=1&amp;y=2'>"
              "Pay now</a></p><script>document.title='ran'</script>")
    files = list((sink.store.folder).iterdir())
    assert [f.suffix for f in files] == [".eml"], "one whole file, no temporary left"

    listing = get(sink, "/")
    assert listing.status_code == 200
    assert "Invoice INV/2026/00001" in listing.text
    assert "ann@example.com, audit@example.com" in listing.text, "delivered to, Bcc included"
    (mail_id,) = mail_links(listing.text)
    assert before - 1 <= mailsink.caught_at(mail_id) <= time.time() + 1
    assert time.strftime("%Y-%m-%d", time.localtime(mailsink.caught_at(mail_id))) in listing.text

    page = get(sink, f"/mail/{mail_id}")
    assert page.status_code == 200
    assert "Billing &lt;billing@example.com&gt;" in page.text
    assert f"src='/mail/{mail_id}/body'" in page.text
    assert f"sandbox='{mailsink.SANDBOX}'" in page.text
    assert "allow-scripts" not in page.text and "allow-same-origin" not in page.text
    assert f"href='/mail/{mail_id}/part/0' download>INV/2026/00001.pdf</a>" in page.text

    body = get(sink, f"/mail/{mail_id}/body")
    assert body.status_code == 200
    assert body.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = body.headers["Content-Security-Policy"]
    assert csp.startswith(f"sandbox {mailsink.SANDBOX};"), "no script, form or same origin"
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert body.headers["Referrer-Policy"] == "no-referrer"
    assert body.text.startswith("<base target='_top'>"), "a click opens the link itself"
    assert "href='http://localhost:8069/my/invoices/7?x=1&amp;y=2'>Pay now</a>" in body.text

    pdf = get(sink, f"/mail/{mail_id}/part/0")
    assert pdf.status_code == 200
    assert pdf.content == PDF
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        "attachment; filename=\"INV_2026_00001.pdf\"; filename*=UTF-8''INV%2F2026%2F00001.pdf")

    eml = get(sink, f"/mail/{mail_id}.eml")
    assert eml.content == (sink.store.folder / f"{mail_id}.eml").read_bytes()
    assert eml.content.startswith(b"X-Envelope-From: billing@example.com\r\n"
                                  b"X-Envelope-To: ann@example.com, audit@example.com\r\n")


def test_newest_first_and_plain_text_escaped(sink):
    send(sink, "first")
    send(sink, "second <b>bold</b>", text="1 < 2 & <script>x</script>")
    listing = get(sink, "/").text
    assert listing.index(">first</a>") > listing.index(">second &lt;b&gt;bold&lt;/b&gt;</a>")
    assert "<b>bold" not in listing
    newest = mail_links(listing)[0]
    body = get(sink, f"/mail/{newest}/body").text
    assert "1 &lt; 2 &amp; &lt;script&gt;x&lt;/script&gt;" in body
    assert "<script>" not in body


def test_refusals(sink):
    send(sink, "only one")
    (mail_id,) = mail_links(get(sink, "/").text)
    unknown = mail_id[:-1] + ("1" if mail_id.endswith("0") else "0")
    for path in ("/mail/../../etc/passwd", "/mail/%2e%2e%2fodoo.conf", "/mail/1234",
                 f"/mail/{unknown}",
                 f"/mail/{mail_id}/part/1", f"/mail/{mail_id}/part/x", "/nothing"):
        assert get(sink, path).status_code == 404, path
    # a page reached through another name (DNS rebinding) shows nothing
    other = get(sink, "/", headers={"Host": f"attacker.example:{sink.http_port}"})
    assert other.status_code == 421
    assert "only one" not in other.text
    assert sink.store.raw("../x") is None


def test_empty_folder_and_ports_taken(tmp_path, sink):
    assert "No mail yet." in get(sink, "/").text
    with pytest.raises(OSError):
        mailsink.MailSink(tmp_path / "other", sink.smtp_port, free_port()).start()
    with pytest.raises(OSError):
        mailsink.MailSink(tmp_path / "other", free_port(), sink.http_port).start()
