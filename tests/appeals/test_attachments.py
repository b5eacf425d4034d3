"""Photos: real JPEG/PNG/WebP images only, at most 10 MB and 9 per appeal, owner-only until
linked, stored through default_storage without their EXIF location."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from PIL import ExifTags, Image

from appeals.models import AppealAttachment

from .factories import make_appeal, photo_bytes, upload

pytestmark = pytest.mark.django_db


def post_file(client, data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return client.post("/api/v1/attachments", {"file": upload(name, data, content_type)}, format="multipart")


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("JPEG", "a.jpg", "image/jpeg"),
        ("PNG", "a.png", "image/png"),
        ("WEBP", "a.webp", "image/webp"),
    ],
)
def test_location_is_gone_and_orientation_kept(api, tree, fmt, name, content_type):
    original = photo_bytes(fmt)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the phone wrote it
    response = post_file(api.as_user(tree.resident1), original, name, content_type)
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "url"}
    row = AppealAttachment.objects.get(pk=body["id"])
    assert body["url"].startswith("/files/")  # a signed URL, never the storage path
    served = api.get(body["url"])
    assert (
        served.status_code == 200 and b"".join(served.streaming_content) == default_storage.open(row.file.name).read()
    )
    assert row.content_type == content_type and (row.width, row.height) == (64, 48)
    with default_storage.open(row.file.name) as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.IFD.GPSInfo not in exif
    assert exif.get(ExifTags.Base.Orientation) == 6
    assert ExifTags.Base.Make not in exif  # nothing else of the phone's EXIF survives
    assert b"FakePhone" not in data


def test_text_file_is_400(api, tree):
    response = post_file(api.as_user(tree.resident1), b"hello, not an image\n" * 10, "notes.txt", "text/plain")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"
    assert not AppealAttachment.objects.exists()


def test_text_disguised_as_jpeg_is_400(api, tree):
    response = post_file(api.as_user(tree.resident1), b"\xff\xd8\xff\xe0 not really a jpeg" * 50)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_image"


def test_truncated_image_is_400(api, tree):
    response = post_file(api.as_user(tree.resident1), photo_bytes("PNG")[:200], "a.png", "image/png")
    assert response.status_code == 400


def test_gif_is_400(api, tree):
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    response = post_file(api.as_user(tree.resident1), out.getvalue(), "a.gif", "image/gif")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_image"


def test_20_mb_image_is_413(api, tree):
    big = photo_bytes() + b"\0" * (20 * 1024 * 1024)
    response = post_file(api.as_user(tree.resident1), big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not AppealAttachment.objects.exists()


def test_the_service_checks_the_real_size_too(api, tree, settings):
    # Below the middleware's Content-Length limit (its multipart slack), above the file limit.
    settings.UPLOAD_MAX_BYTES = 1000
    response = post_file(api.as_user(tree.resident1), photo_bytes(size=(400, 400)) + b"\0" * 2000)
    assert response.status_code == 413
    assert response.json()["error"]["fields"] == {"file": ["文件过大。"]}  # zh-Hans unless asked otherwise


def test_missing_file_is_400(api, tree):
    response = api.as_user(tree.resident1).post("/api/v1/attachments", {}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["error"]["fields"]


def test_anonymous_upload_is_401(api, tree):
    assert post_file(api, photo_bytes()).status_code == 401


def _ids(client, n):
    return [post_file(client, photo_bytes()).json()["id"] for _ in range(n)]


def test_nine_photos_link_ten_do_not(api, tree):
    client = api.as_user(tree.resident1)
    ids = _ids(client, 10)
    body = {"category": "environment", "title": "t", "description": "d"}
    too_many = client.post("/api/v1/appeals", body | {"attachments": ids})
    assert too_many.status_code == 400 and "attachments" in too_many.json()["error"]["fields"]
    ok = client.post("/api/v1/appeals", body | {"attachments": ids[:9]})
    assert ok.status_code == 201 and len(ok.json()["attachments"]) == 9


def test_more_than_the_configured_photos_is_400_too_many_attachments(api, tree, settings):
    """Below the body's hard limit of nine, the district's own limit is the service's."""
    settings.APPEAL_MAX_ATTACHMENTS = 2
    client = api.as_user(tree.resident1)
    body = {"category": "environment", "title": "t", "description": "d", "attachments": _ids(client, 3)}
    refused = client.post("/api/v1/appeals", body)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "too_many_attachments"
    assert not AppealAttachment.objects.exclude(appeal=None).exists()


def test_someone_elses_photo_cannot_be_linked(api, tree):
    theirs = _ids(api.as_user(tree.resident2), 1)
    body = {"category": "environment", "title": "t", "description": "d", "attachments": theirs}
    response = api.as_user(tree.resident1).post("/api/v1/appeals", body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_attachment"
    assert AppealAttachment.objects.get(pk=theirs[0]).appeal_id is None


def test_a_linked_photo_cannot_be_linked_again(api, tree):
    client = api.as_user(tree.resident1)
    ids = _ids(client, 1)
    first = make_appeal(submitter=tree.resident1, attachments=ids)
    body = {"category": "environment", "title": "t", "description": "d", "attachments": ids}
    response = client.post("/api/v1/appeals", body)
    assert response.status_code == 400
    assert AppealAttachment.objects.get(pk=ids[0]).appeal_id == first.pk
    assert post_file(client, photo_bytes()).status_code == 201  # uploading more is fine


def test_the_embedded_default_serves_the_stored_photo(api, tree):
    body = post_file(api.as_user(tree.resident1), photo_bytes("JPEG")).json()
    served = api.get(body["url"])
    assert served.status_code == 200
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).format == "JPEG"
