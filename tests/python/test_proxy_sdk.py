"""Dialpad's official Python SDK (python-dialpad 3.2.0) through the gateway's raw proxy:
its base URL is `{gateway}/v1/proxy/dialpad/{ownerId}` and its API key the tenant's secret
key; the gateway swaps in the connection's Dialpad credential. Dialpad's rate limits are on
in this sandbox, so the SDK's paging also goes through the gateway's limiter."""

import pytest
import requests
from dialpad import DialpadClient


@pytest.fixture(scope="module")
def client(gateway):
    return DialpadClient(token=gateway.secret_key, base_url=f"{gateway.url}/v1/proxy/dialpad/demo")


@pytest.fixture(scope="module")
def seeded(gateway):
    company_id = gateway.sandbox_control("GET", "/info")["companyId"]
    companies = gateway.sandbox_control("GET", "/companies")["companies"]
    return next(c for c in companies if c["company_id"] == company_id)


def test_lists_users(client, seeded):
    users = list(client.users.list())
    assert len(users) == seeded["users"]
    assert len({u["id"] for u in users}) == len(users)


def test_lists_contacts(client, seeded):
    contacts = list(client.contacts.list())
    assert len(contacts) == seeded["shared_contacts"]
    assert all(c["type"] == "shared" for c in contacts)


def test_lists_offices(client, seeded):
    offices = list(client.offices.list())
    assert len(offices) == seeded["offices"]


def test_lists_calls(client, seeded):
    calls = list(client.calls.list())
    assert len(calls) == seeded["calls"]
    started = [int(c["date_started"]) for c in calls]
    assert started == sorted(started, reverse=True)


def test_creates_and_deletes_a_contact(client):
    created = client.contacts.create(
        {
            "first_name": "Proxy",
            "last_name": "Sdk",
            "emails": ["proxy.sdk@example.com"],
            "phones": ["+14155550199"],
        }
    )
    assert created["primary_email"] == "proxy.sdk@example.com"
    assert client.contacts.get(created["id"])["first_name"] == "Proxy"
    client.contacts.delete(created["id"])
    with pytest.raises(requests.HTTPError) as err:
        client.contacts.get(created["id"])
    # Dialpad's own 404, passed back as sent.
    assert err.value.response.status_code == 404
    assert err.value.response.json()["error"]["code"] == 404
    assert "x-request-id" in err.value.response.headers


def test_a_wrong_tenant_key_is_refused_by_the_gateway(gateway):
    bad = DialpadClient(token="sk_not_a_key", base_url=f"{gateway.url}/v1/proxy/dialpad/demo")
    with pytest.raises(requests.HTTPError) as err:
        bad.company.get()
    assert err.value.response.status_code == 401
    assert err.value.response.json()["error"] == "INVALID_API_KEY"
