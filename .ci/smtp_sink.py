#!/usr/bin/env python3
"""An SMTP server on loopback for the checks from outside (aiosmtpd): every message received
is appended to a JSON-lines file as {"to": [...], "subject": ..., "message_id": ...}.

Usage: smtp_sink.py PORT OUT_FILE   (runs until killed)
"""

import asyncio
import email
import email.header
import json
import sys

from aiosmtpd.controller import Controller

PORT, OUT = int(sys.argv[1]), sys.argv[2]


class Collect:
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content)
        subject = str(email.header.make_header(email.header.decode_header(message.get("Subject", ""))))
        with open(OUT, "a", encoding="utf-8") as out:
            out.write(json.dumps({"to": envelope.rcpt_tos, "subject": subject,
                                  "message_id": message.get("Message-ID", "")}) + "\n")
        return "250 OK"


controller = Controller(Collect(), hostname="127.0.0.1", port=PORT)
controller.start()
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
