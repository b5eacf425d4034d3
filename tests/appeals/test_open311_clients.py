"""Open311 as outside tools see it: the `georeport` PyPI client against a live server, in JSON
and in XML, plus what the spec asks that the client does not exercise (discovery, errors on
every path, CORS, charset, Accept ignored)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
import xmltodict
from django.utils import timezone
from georeport import GeoReport

from appeals.models import Appeal
from tests.appeals.factories import make_appeal

pytestmark = pytest.mark.django_db(transaction=True)

PERSONAL = "我是王建国，电话13812345678，身份证410102199001011234"


@pytest.fixture
def feed(live_server: Any, tree: Any) -> Any:
    public = make_appeal(submitter=tree.resident1, grid=tree.micro1, is_public=True, description=PERSONAL)
    other = make_appeal(submitter=tree.resident1, grid=tree.micro1, is_public=True, category="safety")
    private = make_appeal(submitter=tree.resident1, grid=tree.micro1)
    return live_server.url + "/open311/v2", public, other, private


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_client_reads_the_feed(feed, fmt):
    root, public, other, private = feed
    client = GeoReport(root, output_format=fmt)

    services = client.get_service_list()
    assert {s["service_code"] for s in services} >= {"environment", "safety", "other"}
    definition = client.get_service_definition("environment")
    assert definition["service_code"] == "environment"

    rows = client.get_service_requests()
    rows = rows if isinstance(rows, list) else [rows]  # xmltodict: one element is not a list
    ids = {r["service_request_id"] for r in rows}
    assert ids == {public.number, other.number}
    mine = next(r for r in rows if r["service_request_id"] == public.number)
    assert "13812345678" not in mine["description"] and "王建国" not in mine["description"]
    assert "410102199001011234" not in mine["description"]

    one = client.get_service_request(public.number)
    assert one["service_request_id"] == public.number
    with pytest.raises(requests.HTTPError):
        client.get_service_request(private.number)

    # service_request_id overrides every other filter, even ones that would exclude it
    only = client.get_service_requests(service_request_id=other.number, service_code="environment", status="closed")
    only = only if isinstance(only, list) else [only]
    assert [r["service_request_id"] for r in only] == [other.number]


def test_filters(feed):
    root, public, other, _ = feed
    client = GeoReport(root)
    assert {r["service_request_id"] for r in client.get_service_requests(service_code="safety")} == {other.number}
    assert {r["service_request_id"] for r in client.get_service_requests(status="open")} == {
        public.number,
        other.number,
    }
    assert client.get_service_requests(status="closed") == []
    Appeal.objects.filter(pk=other.pk).update(created_at=timezone.now() - timedelta(days=200))
    assert {r["service_request_id"] for r in client.get_service_requests()} == {public.number}
    start = (timezone.now() - timedelta(days=300)).isoformat()
    end = (timezone.now() - timedelta(days=100)).isoformat()
    assert [r["service_request_id"] for r in client.get_service_requests(start_date=start, end_date=end)] == [
        other.number
    ]


def test_discovery(feed):
    root, *_ = feed
    body = requests.get(f"{root}/discovery.json").json()
    assert body["endpoints"][0]["url"] == root
    assert "application/xml" in body["endpoints"][0]["formats"]
    xml = xmltodict.parse(requests.get(f"{root}/discovery.xml").content)
    assert xml["discovery"]["endpoints"]["endpoint"]["specification"].endswith("GeoReport_v2")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("nothing-here", 404),
        ("requests/NOPE.json", 404),
        ("services/unknown.json", 404),
        ("requests.csv", 404),
        ("requests.json?status=maybe", 400),
        ("requests.json?start_date=yesterday", 400),
    ],
)
def test_every_error_is_the_spec_list(feed, path, status):
    root, *_ = feed
    response = requests.get(f"{root}/{path}")
    assert response.status_code == status
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    xml_path = path.replace(".json", ".xml") if ".json" in path else path + ".xml"
    as_xml = requests.get(f"{root}/{xml_path}")
    assert as_xml.status_code == status
    error = xmltodict.parse(as_xml.content)["errors"]["error"]
    assert int(error["code"]) == status


def test_method_not_allowed_is_the_spec_list(feed):
    root, *_ = feed
    response = requests.post(f"{root}/requests.json", json={})
    assert response.status_code == 405 and response.json()[0]["code"] == 405


def test_charset_cors_and_accept(feed):
    root, *_ = feed
    response = requests.get(
        f"{root}/requests.json", headers={"Accept": "application/xml", "Origin": "https://x.example"}
    )
    assert response.status_code == 200  # the extension decides, never a 406
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    xml = requests.get(f"{root}/services.xml")
    assert xml.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?><services><service>')
    preflight = requests.options(f"{root}/requests.json", headers={"Origin": "https://x.example"})
    assert preflight.status_code == 204 and "GET" in preflight.headers["Access-Control-Allow-Methods"]
