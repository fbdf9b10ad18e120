"""A real SMTP server for the tests (aiosmtpd): writes every message it accepts into a directory.

Usage: python3 smtp_sink.py PORT DIR [plain|starttls|tls] [USER PASSWORD]

With starttls or tls it makes a private CA and a certificate for 127.0.0.1 with openssl, writes
the CA to DIR/ca.pem for the client to trust, and serves STARTTLS (required before MAIL) or
implicit TLS. With USER and PASSWORD it requires AUTH (only inside TLS) with them.
"""
import pathlib
import ssl
import subprocess
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port = int(sys.argv[1])
out = pathlib.Path(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else "plain"
creds = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else None
out.mkdir(parents=True, exist_ok=True)
certs = out / "certs"


def make_certificates():
    certs.mkdir(exist_ok=True)
    run = lambda *a: subprocess.run(a, check=True, capture_output=True, cwd=certs)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=auth-tests CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    (certs / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
        "extendedKeyUsage=serverAuth\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    (out / "ca.pem").write_bytes((certs / "ca.pem").read_bytes())
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(certs / "server.pem", certs / "server.key")
    return ctx


class Sink:
    async def handle_DATA(self, server, session, envelope):
        name = out / f"{time.time_ns()}.eml"
        rcpt = ",".join(envelope.rcpt_tos)
        tls = "yes" if (session.ssl or server.transport.get_extra_info("ssl_object")) else "no"
        data = session.auth_data
        user = data.decode() if isinstance(data, bytes) else ""
        header = (f"X-Envelope-To: {rcpt}\r\nX-Tls: {tls}\r\nX-Auth-User: {user}\r\n"
                  f"X-Connection: {id(session)}\r\n")
        name.write_bytes(header.encode() + envelope.content)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = creds is not None and (auth_data.login.decode(), auth_data.password.decode()) == creds
    return AuthResult(success=ok, auth_data=auth_data.login if ok else None)


kwargs = {}
if creds:
    kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=True)
if mode == "starttls":
    kwargs.update(tls_context=make_certificates(), require_starttls=True)
elif mode == "tls":
    # The whole connection is TLS; aiosmtpd's own TLS flag only tracks STARTTLS.
    kwargs.update(ssl_context=make_certificates(), auth_require_tls=False)
else:
    kwargs.update(auth_require_tls=False) if creds else None

controller = Controller(Sink(), hostname="127.0.0.1", port=port, **kwargs)
controller.start()
(out / "ready").write_text("ready")
print("ready", flush=True)
try:
    while True:
        time.sleep(1)
except KeyboardInterrupt:
    controller.stop()
