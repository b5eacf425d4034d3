"""Photos by permission: a private appeal's photos only through short-lived signed URLs given to
those who may see the appeal; a public appeal's photos public while it is public; no plain
/media/ path serves uploads."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.storage import FileSystemStorage
from django.db.models.fields.files import FieldFile

from appeals import services
from appeals.models import Appeal, AppealAttachment
from backend import files
from tests.appeals.factories import make_appeal, upload

pytestmark = pytest.mark.django_db


def _appeal_with_photo(tree: Any, *, public: bool) -> tuple[Appeal, AppealAttachment]:
    photo = services.attachment_upload(actor=tree.resident1, file=upload())
    appeal = make_appeal(submitter=tree.resident1, grid=tree.micro1, attachments=[photo.pk], is_public=public)
    return appeal, AppealAttachment.objects.get(pk=photo.pk)


def _photo_url(client: Any, appeal: Appeal) -> str:
    response = client.get(f"/api/v1/appeals/{appeal.pk}")
    assert response.status_code == 200, response.content
    return response.json()["attachments"][0]["url"]


def _bytes(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_submitter_and_handler_get_a_signed_url_that_serves_the_photo(api, tree):
    appeal, photo = _appeal_with_photo(tree, public=False)
    stored = photo.file.open("rb").read()
    for user in (tree.resident1, tree.worker1):
        url = _photo_url(api.as_user(user), appeal)
        assert url.startswith("/files/") and photo.file.name not in url
        served = api.get(url)  # the URL itself is the permission: no login needed to fetch it
        assert served.status_code == 200 and _bytes(served) == stored
        assert served["Content-Type"] == "image/jpeg"
        assert served["Cache-Control"].startswith("private")


def test_another_resident_cannot_see_the_appeal_nor_its_photo(api, tree):
    appeal, photo = _appeal_with_photo(tree, public=False)
    assert api.as_user(tree.resident2).get(f"/api/v1/appeals/{appeal.pk}").status_code == 404
    assert api.as_user(tree.resident2).get(f"/open311/v2/media/{photo.pk}").status_code == 404


def test_anonymous_gets_nothing_by_plain_or_guessed_paths(api, tree):
    appeal, photo = _appeal_with_photo(tree, public=False)
    assert api.get(f"/media/{photo.file.name}").status_code == 404
    assert api.get(f"/open311/v2/media/{photo.pk}").status_code == 404
    assert api.get(f"/api/v1/appeals/{appeal.pk}").status_code == 401
    signed = _photo_url(api.as_user(tree.resident1), appeal)
    token = signed.removeprefix("/files/")
    assert api.get(f"/files/{token[:-2]}xx").status_code == 404  # altered signature
    forged = files.signing.dumps("appeals/../../etc/passwd", salt="other")
    assert api.get(f"/files/{forged}").status_code == 404


def test_signed_urls_expire(api, tree, settings):
    appeal, _ = _appeal_with_photo(tree, public=False)
    url = _photo_url(api.as_user(tree.resident1), appeal)
    settings.MEDIA_URL_MAX_AGE = -1  # as if the URL were older than its life
    assert api.get(url).status_code == 404


def test_public_appeal_photo_is_public_while_the_appeal_is(api, tree):
    appeal, photo = _appeal_with_photo(tree, public=True)
    feed = api.get("/open311/v2/requests.json").json()
    media_url = feed[0]["media_url"]
    assert media_url.endswith(f"/open311/v2/media/{photo.pk}")
    served = api.get(media_url)
    assert served.status_code == 200 and _bytes(served) == photo.file.open("rb").read()
    Appeal.objects.filter(pk=appeal.pk).update(is_public=False)
    assert api.get(media_url).status_code == 404


class SigningStorage(FileSystemStorage):
    """Stands in for an S3-compatible storage: its url() signs with an expiry."""

    def url(self, name: str | None, expire: int | None = None) -> str:  # type: ignore[override]
        return f"https://objects.example.test/{name}?X-Amz-Expires={expire}&X-Amz-Signature=sig"


def test_a_storage_that_signs_urls_signs_them_itself(tmp_path, settings):
    settings.MEDIA_URL_MAX_AGE = 300
    storage = SigningStorage(location=str(tmp_path))
    field = AppealAttachment._meta.get_field("file")
    name = storage.save("appeals/p.jpg", upload())
    file = FieldFile(AppealAttachment(), field, name)
    file.storage = storage
    url = files.file_url(file)
    assert url.startswith("https://objects.example.test/appeals/p.jpg") and "X-Amz-Expires=300" in url
    redirect = files.serve(file)
    assert redirect.status_code == 302 and redirect["Location"] == url
