"""GET /api/v1/open-data: a streamed ZIP of anonymous aggregates with README and LICENSE."""

from __future__ import annotations

import csv
import io
import zipfile

from django.http import StreamingHttpResponse

from .conftest import at, make_appeal, make_consultation

URL = "/api/v1/open-data"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


def _zip(api, user, query):
    response = api.as_user(user).get(URL, query)
    assert response.status_code == 200, response.content[:300]
    assert isinstance(response, StreamingHttpResponse) and response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _rows(archive, name):
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_the_archive(api, district):
    for _ in range(5):  # five in one cell: shown; the cells of one appeal are blanked
        make_appeal(district.micro21, created=at(11, 8, 9), category="other", resolved_at=at(11, 9), score=5,
                    status="closed")  # fmt: skip
        make_consultation(district.micro21, created=at(11, 14), author=district.resident1, kind="deep",
                          events={"reach_threshold": at(11, 15)})  # fmt: skip
    archive = _zip(api, district.admin, {"grid": district.district.pk, **NOVEMBER})
    assert sorted(archive.namelist()) == [
        "LICENSE", "README.md", "appeals.csv", "consultations.csv", "mediation_cases.csv", "rounds.csv",
    ]  # fmt: skip
    appeals = _rows(archive, "appeals.csv")
    big = [r for r in appeals if r["date"] == "2026-11-08"]
    assert big == [
        {"date": "2026-11-08", "grid_code": district.grid1.code, "category": "other", "source": "miniprogram",
         "received": "5", "escalated": "0", "left_grid": "0", "resolved": "5", "resolved_on_time": "5",
         "rated": "5", "satisfied": "5"},
    ]  # fmt: skip
    a1 = next(r for r in appeals if r["date"] == "2026-11-02")
    # a1, about micro-grid 1: placed at its level-3 grid, its count of 1 blanked.
    assert a1["grid_code"] == district.grid1.code and a1["received"] == "" and a1["escalated"] == "0"
    assert {r["grid_code"] for r in appeals} <= {district.grid1.code, district.community1.code}
    assert len(appeals) == 6  # a1 a2 a3 a4 a6 and the five

    cases = _rows(archive, "mediation_cases.csv")
    assert len(cases) == 5 and all(r["applied"] == "" for r in cases)  # m1 m2 m3 m5 m6, one each
    assert {r["grid_code"] for r in cases} == {district.grid1.code, district.dedicated1.code}

    (round_,) = _rows(archive, "rounds.csv")
    assert round_ == {"id": str(district.round.pk), "month": "2026-11", "scope_code": district.district.code,
                      "scope_level": "district", "status": "counted", "eligible": "", "turnout": "",
                      "candidate_count": "1", "winner_votes": "", "winner_progress": "60"}  # fmt: skip
    topics = _rows(archive, "consultations.csv")  # c1 c2 c3, one per cell: blanked
    assert [(r["date"], r["grid_code"], r["kind"], r["raised"]) for r in topics] == [
        ("2026-11-03", district.grid1.code, "quick", ""),
        ("2026-11-05", district.grid1.code, "quick", ""),
        ("2026-11-08", district.community1.code, "quick", ""),
        ("2026-11-14", district.grid1.code, "deep", "5"),
    ]
    assert topics[-1]["reached_threshold"] == "5" and topics[-1]["resolved"] == "0"

    readme = archive.read("README.md").decode()
    for name in ("appeals.csv", "mediation_cases.csv", "rounds.csv", "consultations.csv"):
        header = archive.read(name).decode("utf-8-sig").splitlines()[0].split(",")
        for column in header:
            assert f"`{column}`" in readme, (name, column)
    assert "CC BY 4.0" in archive.read("LICENSE").decode()


def test_no_personal_data(api, district):
    district.resident1.name = "张三丰"
    district.resident1.save()
    make_appeal(district.micro1, created=at(11, 9), address="建设路12号院3单元", contact_phone="13812345678",
                submitter=district.resident1, title="楼道灯坏了很久")  # fmt: skip
    archive = _zip(api, district.admin, NOVEMBER)
    blob = "".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    for secret in ("张三丰", "13812345678", "建设路", "楼道灯", district.micro1.code, "resident1", "T0000"):
        assert secret not in blob, secret
    assert "10:00" not in blob  # times only to the day


def test_scope_and_bad_input(api, district):
    assert api.as_user(district.staff1).get(URL, {"grid": district.district.pk}).status_code == 404
    assert api.as_user(district.resident1).get(URL).status_code == 404
    assert api.get(URL).status_code == 401
    bad = api.as_user(district.admin).get(URL, {"from": "2026-11-30", "to": "2026-11-01"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_period"
    street = _zip(api, district.staff2, NOVEMBER)  # staff of street 2: its own
    assert _rows(street, "appeals.csv") == []  # a5 was received in October
