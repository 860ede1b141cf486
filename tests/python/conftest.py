"""Fixtures: a real `patchbay dialpad-sandbox` process on an ephemeral port."""

import json
import os
import subprocess
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def patchbay_binary() -> Path:
    explicit = os.environ.get("PATCHBAY_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "patchbay"


class Sandbox:
    def __init__(self, *args: str):
        binary = patchbay_binary()
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `cargo build -p patchbay-gateway` first")
        self.proc = subprocess.Popen(
            [str(binary), "dialpad-sandbox", "--listen", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        if not line.startswith('{"ready":true'):
            self.stop()
            raise RuntimeError(f"sandbox did not print its ready line: {line!r}")
        self.info = json.loads(line)
        self.url = self.info["url"]
        self.api_key = self.info["apiKey"]

    def control(self, method: str, path: str, **kwargs):
        resp = requests.request(method, f"{self.url}/_sandbox{path}", timeout=10, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def sandbox():
    # Small pages so that every list needs several of them.
    sbx = Sandbox("--size", "300", "--page-size", "7", "--call-page-size", "9", "--no-rate-limits")
    yield sbx
    sbx.stop()


class Gateway:
    """`patchbay serve --sandbox`: a gateway with its own in-process sandbox, a demo tenant
    and an authorized `dialpad`/`demo` connection (the sandbox's admin API key)."""

    def __init__(self, workdir: Path, *args: str):
        binary = patchbay_binary()
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `cargo build -p patchbay-gateway` first")
        env = {k: v for k, v in os.environ.items() if k != "PATCHBAY_ENCRYPTION_KEY"}
        self.proc = subprocess.Popen(
            [
                str(binary), "serve", "--sandbox", "--listen", "127.0.0.1:0",
                "--database", f"sqlite://{workdir}/gateway.db",
                "--dev-key-file", str(workdir / "dev-key"), *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        for line in self.proc.stdout:
            if line.startswith('{"ready":true'):
                break
        else:
            self.stop()
            raise RuntimeError("the gateway did not print its ready line")
        self.info = json.loads(line)
        self.url = self.info["url"]
        self.sandbox_url = self.info["sandboxUrl"]
        self.secret_key = self.info["secretKey"]

    def sandbox_control(self, method: str, path: str, **kwargs):
        resp = requests.request(method, f"{self.sandbox_url}/_sandbox{path}", timeout=10, **kwargs)
        resp.raise_for_status()
        return resp.json() if resp.content else None

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    gw = Gateway(tmp_path_factory.mktemp("gateway"))
    yield gw
    gw.stop()
