"""Dialpad's official Python SDK (python-dialpad 3.2.0) against the sandbox: it
pages through users, contacts, offices and calls, writes a contact, and reads a
transcript, exactly as it would against dialpad.com."""

import pytest
import requests
from dialpad import DialpadClient


@pytest.fixture(scope="module")
def client(sandbox):
    return DialpadClient(token=sandbox.api_key, base_url=sandbox.url)


@pytest.fixture(scope="module")
def seeded(sandbox):
    companies = sandbox.control("GET", "/companies")["companies"]
    return next(c for c in companies if c["company_id"] == sandbox.info["companyId"])


def test_iterates_every_user_across_pages(client, seeded):
    users = list(client.users.list())
    assert len(users) == seeded["users"]
    assert len({u["id"] for u in users}) == len(users)
    assert all(isinstance(u["id"], str) and u["id"].isdigit() for u in users)
    assert any(u["state"] == "suspended" for u in users)
    assert any(u["is_admin"] for u in users)


def test_filters_users_by_state(client, seeded):
    suspended = list(client.users.list(state="suspended"))
    assert suspended and all(u["state"] == "suspended" for u in suspended)


def test_iterates_shared_and_local_contacts(client, seeded):
    shared = list(client.contacts.list())
    assert len(shared) == seeded["shared_contacts"]
    assert all(c["type"] == "shared" for c in shared)
    everything = list(client.contacts.list(include_local=True))
    assert len(everything) == seeded["shared_contacts"] + seeded["local_contacts"]


def test_iterates_offices(client, seeded):
    offices = list(client.offices.list())
    assert len(offices) == seeded["offices"]
    assert sum(1 for o in offices if o["is_primary_office"]) == 1


def test_iterates_calls_newest_first(client, seeded):
    calls = list(client.calls.list())
    assert len(calls) == seeded["calls"]
    started = [int(c["date_started"]) for c in calls]
    assert started == sorted(started, reverse=True)
    assert {c["direction"] for c in calls} == {"inbound", "outbound"}


def test_creates_updates_and_deletes_a_contact(client, sandbox):
    created = client.contacts.create(
        {
            "first_name": "Sdk",
            "last_name": "Client",
            "emails": ["sdk.client@example.com"],
            "phones": ["+14155550142"],
        }
    )
    assert created["primary_email"] == "sdk.client@example.com"
    assert created["type"] == "shared"

    updated = client.contacts.partial_update(created["id"], {"job_title": "Integrator"})
    assert updated["job_title"] == "Integrator"
    assert client.contacts.get(created["id"])["job_title"] == "Integrator"

    client.contacts.delete(created["id"])
    with pytest.raises(requests.HTTPError) as err:
        client.contacts.get(created["id"])
    assert err.value.response.status_code == 404
    assert err.value.response.json()["error"]["code"] == 404


def test_upserts_a_contact_by_uid(client):
    first = client.contacts.create_or_update({"uid": "sdk-42", "first_name": "A", "last_name": "B"})
    second = client.contacts.create_or_update({"uid": "sdk-42", "first_name": "C", "last_name": "D"})
    assert first["id"] == second["id"]
    assert second["first_name"] == "C"


def test_reads_a_transcript(client):
    transcript = None
    for call in client.calls.list():
        try:
            transcript = client.transcripts.get(call["call_id"])
            break
        except requests.HTTPError as err:
            assert err.response.status_code == 404
    assert transcript is not None, "no seeded call has a transcript"
    kinds = {line["type"] for line in transcript["lines"]}
    assert "transcript" in kinds and "moment" in kinds
    assert any("user_id" in line for line in transcript["lines"])
    url = client.transcripts.get_url(transcript["call_id"])
    assert url["call_id"] == transcript["call_id"]


def test_wrong_key_is_refused(sandbox):
    bad = DialpadClient(token="not-a-key", base_url=sandbox.url)
    with pytest.raises(requests.HTTPError) as err:
        bad.company.get()
    assert err.value.response.status_code == 401
