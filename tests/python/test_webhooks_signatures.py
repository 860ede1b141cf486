"""Patchbay's webhook signatures checked by an independent Standard Webhooks implementation
(the `standardwebhooks` package from PyPI): a `patchbay serve --sandbox` process delivers
to a receiver written here, which verifies every delivery with that package."""

import json
import os
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from conftest import patchbay_binary


class Receiver:
    """Records every POST: its headers and raw body."""

    def __init__(self):
        self.got = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with outer.lock:
                    outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.got) >= n:
                    return list(self.got)
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}: {len(self.got)} of {n}")

    def stop(self):
        self.server.shutdown()


class Gateway:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        binary = patchbay_binary()
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `cargo build -p patchbay-gateway` first")
        env = dict(os.environ, RUST_LOG="warn", PATCHBAY_DEV_KEY_FILE=f"{self.dir.name}/key")
        env.pop("PATCHBAY_ENCRYPTION_KEY", None)
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--sandbox", "--listen", "127.0.0.1:0",
             "--database", f"sqlite://{self.dir.name}/patchbay.db"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        for line in self.proc.stdout:
            if line.startswith('{"ready":true'):
                self.info = json.loads(line)
                break
        else:
            self.stop()
            raise RuntimeError("serve --sandbox gave no ready line")
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()
        self.url = self.info["url"]
        self.headers = {"Authorization": f"Bearer {self.info['secretKey']}"}

    def call(self, method, path, **kwargs):
        resp = requests.request(method, f"{self.url}{path}", headers=self.headers, timeout=30, **kwargs)
        assert resp.status_code < 300, f"{method} {path}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()


@pytest.fixture(scope="module")
def gateway():
    gw = Gateway()
    yield gw
    gw.stop()


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.stop()


def standard_headers(headers):
    return {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}


def test_every_delivery_verifies_with_the_standardwebhooks_package(gateway, receiver):
    endpoint = gateway.call("POST", "/v1/webhooks/endpoints",
                            json={"url": receiver.url, "events": ["genericContact::*"]})
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    verifier = Webhook(secret)

    gateway.call("POST", f"/v1/webhooks/endpoints/{endpoint['id']}/test", json={"message": "hi"})
    # A real event: a contact created through the unified API, from Dialpad's event. The
    # gateway subscribes at Dialpad in the background, so contacts are made until one is heard.
    contact_ids = []
    deadline = time.time() + 30
    while True:
        resp = requests.post(
            f"{gateway.url}/v1/resources/genericContact?returnResource=true",
            headers={**gateway.headers, "x-connector-id": "dialpad", "x-owner-id": "demo"},
            json={"firstName": "Ada", "lastName": f"Lovelace {len(contact_ids)}"}, timeout=30,
        )
        assert resp.status_code == 201, resp.text
        contact_ids.append(resp.json()["id"])
        time.sleep(0.5)
        with receiver.lock:
            if any(b"genericContact::created" in body for _, body in receiver.got):
                break
        assert time.time() < deadline, "no contact event arrived"

    got = receiver.wait(2, "the test event and the contact event")
    types = set()
    for headers, body in got:
        payload = verifier.verify(body, standard_headers(headers))
        assert payload["id"] == headers["webhook-id"]
        types.add(payload["type"])
        if payload["type"] == "genericContact::created":
            assert payload["data"]["id"] in contact_ids
            assert payload["connection"] == {"connectorId": "dialpad", "ownerId": "demo"}
    assert {"endpoint::test", "genericContact::created"} <= types

    # A wrong secret or an altered body does not verify.
    headers, body = got[0]
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(body, standard_headers(headers))
    with pytest.raises(WebhookVerificationError):
        verifier.verify(body + b" ", standard_headers(headers))


def test_after_a_rotation_both_secrets_verify(gateway, receiver):
    endpoint = gateway.call("POST", "/v1/webhooks/endpoints",
                            json={"url": receiver.url, "events": ["connection::*"]})
    old = endpoint["secret"]
    new = gateway.call("POST", f"/v1/webhooks/endpoints/{endpoint['id']}/rotate-secret")["secret"]
    assert new != old
    gateway.call("POST", f"/v1/webhooks/endpoints/{endpoint['id']}/test")
    headers, body = receiver.wait(1, "the test event")[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, standard_headers(headers))
    Webhook(new).verify(body, standard_headers(headers))
