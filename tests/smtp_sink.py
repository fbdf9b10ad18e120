"""A real SMTP server for the tests (aiosmtpd): writes every message it accepts into a directory.

Usage: python3 smtp_sink.py PORT DIR
"""
import pathlib
import sys
import time

from aiosmtpd.controller import Controller

out = pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)


class Sink:
    async def handle_DATA(self, server, session, envelope):
        name = out / f"{time.time_ns()}.eml"
        rcpt = ",".join(envelope.rcpt_tos)
        name.write_bytes(f"X-Envelope-To: {rcpt}\r\n".encode() + envelope.content)
        return "250 OK"


controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
try:
    while True:
        time.sleep(1)
except KeyboardInterrupt:
    controller.stop()
