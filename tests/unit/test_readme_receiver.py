"""The README's 10-line receiver works as printed: a signed notification is accepted, a forged one refused."""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
SECRET = "whsec_" + base64.b64encode(b"k" * 24).decode()


def _snippet() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Notifications") :]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)[1]
    assert len(code.strip().splitlines()) <= 11
    return code


def test_the_readme_receiver_verifies_signatures():
    code = _snippet().replace('"whsec_…"', repr(SECRET))
    code = code.replace(
        'HTTPServer(("127.0.0.1", 8000), Receiver).serve_forever()', 'server = HTTPServer(("127.0.0.1", 0), Receiver)'
    )
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the documentation's own example
    server = namespace["server"]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        from standardwebhooks.webhooks import Webhook

        body = json.dumps({"type": "snapshot.stored", "data": {"snapshot": {"id": 1}}})
        now = datetime.now(UTC)
        headers = {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(SECRET).sign("msg_1", now, body),
            "content-type": "application/json",
        }
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with urllib.request.urlopen(urllib.request.Request(url, body.encode(), headers, method="POST")) as answer:
            assert answer.status == 204
        headers["webhook-signature"] = "v1," + base64.b64encode(b"x" * 32).decode()
        try:
            urllib.request.urlopen(urllib.request.Request(url, body.encode(), headers, method="POST"))
        except urllib.error.HTTPError as err:
            assert err.code == 401
        else:
            raise AssertionError("a forged signature was accepted")
    finally:
        server.shutdown()
        server.server_close()
