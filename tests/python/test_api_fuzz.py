"""API fuzzing: schemathesis against `/openapi.json` of a real `patchbay serve --sandbox`,
authenticated with the demo tenant's secret key and a session token, so the operations are
exercised past authentication. Fails on any 5xx but the documented 501, on any answer the
description does not allow, and on any schema-valid request refused (outside the listed exceptions). Configuration (auth, fixed headers, per-check exceptions and why):
tests/python/schemathesis.toml. Reproduce a failure with the printed seed and `st replay`."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import requests

from conftest import Gateway

HERE = Path(__file__).resolve().parent
# Bounded so the whole test fits in CI (~1 minute on 2 cores); the seed makes a run repeatable.
MAX_EXAMPLES = int(os.environ.get("PATCHBAY_FUZZ_MAX_EXAMPLES", "25"))
SEED = os.environ.get("PATCHBAY_FUZZ_SEED", "20261121")


def schemathesis_cli() -> list[str]:
    local = Path(sys.executable).with_name("schemathesis")
    if local.exists():
        return [str(local)]
    found = shutil.which("schemathesis")
    if found:
        return [found]
    return [sys.executable, "-m", "schemathesis.cli"]


def test_no_server_error_and_no_answer_outside_the_openapi_description(tmp_path):
    gw = Gateway(tmp_path)
    try:
        session = requests.post(
            f"{gw.url}/v1/connections/dialpad/demo/sessions",
            headers={"Authorization": f"Bearer {gw.secret_key}"},
            json={},
            timeout=10,
        )
        session.raise_for_status()
        # Nothing listens there: deliveries fail and are retried later, which is all we need.
        endpoint = requests.post(
            f"{gw.url}/v1/webhooks/endpoints",
            headers={"Authorization": f"Bearer {gw.secret_key}"},
            json={"url": "http://127.0.0.1:9/fuzz", "events": ["*"]},
            timeout=30,
        )
        endpoint.raise_for_status()
        env = {
            **os.environ,
            "PATCHBAY_FUZZ_SECRET_KEY": gw.secret_key,
            "PATCHBAY_FUZZ_SESSION_TOKEN": session.json()["sessionToken"],
            "PATCHBAY_FUZZ_ENDPOINT_ID": endpoint.json()["id"],
            "NO_COLOR": "1",
        }
        command = [
            *schemathesis_cli(),
            "--config-file", str(HERE / "schemathesis.toml"),
            "--no-color",
            # Every check runs (schemathesis's default); not `--checks all`, which would
            # override the per-operation exceptions of schemathesis.toml.
            "run", f"{gw.url}/openapi.json",
            "--max-examples", str(MAX_EXAMPLES),
            "--seed", SEED,
            # One worker: runs are repeatable, and Python 3.11's parser is not thread-safe
            # under hypothesis's lambda introspection ("AST constructor recursion depth").
            "--workers", "1",
            "--report-dir", str(tmp_path / "schemathesis-report"),
        ]
        # In tmp_path: schemathesis keeps a `.schemathesis` cache in its working directory, and
        # each run starts without one.
        run = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path
        )
        print(run.stdout)
        print(run.stderr, file=sys.stderr)
        assert run.returncode == 0, "schemathesis found failures (report above)"
    finally:
        gw.stop()
