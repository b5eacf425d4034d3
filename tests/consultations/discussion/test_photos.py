"""Photos on posts and topics through HTTP with the WeChat fake: the caller's own unused uploads
only (too many, someone else's, used, unknown: 400), each sent to mediaCheckAsync after the
commit and hidden until its pushed verdict passes; `risky` deletes the file and tells the author;
`review` waits in the moderation queue for staff to release or refuse it (logged, author told).
And the push endpoint's refusals: stale (push_expired), replayed (push_replayed), malformed
(bad_push), badly signed (bad_signature)."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.errors import Conflict, InvalidInput, PermissionDenied
from backend.wechat_push import push_signature
from consultations.discussion.tasks import request_pending_photo_checks
from consultations.models import ModerationLog, Photo, Post
from consultations.photos import do_record_photo_verdict, do_reject_photo, do_release_photo
from tests.appeals.factories import upload
from tests.notify_asserts import captured_notifications

from .conftest import expect, make_topic, posts_url

pytestmark = pytest.mark.django_db

PUSH = "/api/v1/wechat/push"
BASE = "https://yd.example.cn"


@pytest.fixture
def checked(wechat: Any, settings: Any) -> Any:
    """WeChat configured (the fake), its pushes signed with our token, photo URLs under BASE."""
    settings.WECHAT_APPID = "wx-test-appid"
    settings.WECHAT_PUSH_TOKEN = "push-token"
    settings.PUBLIC_BASE_URL = BASE
    wechat.behaviour["push_token"] = "push-token"
    return wechat


@pytest.fixture
def commits(django_capture_on_commit_callbacks: Any) -> Any:
    """Run the after-commit work (the check requests) of what happens inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def uploaded(api: Any, user: Any, count: int = 1) -> list[int]:
    client = api.as_user(user)
    ids = []
    for _ in range(count):
        answer = client.post("/api/v1/attachments", {"file": upload()}, format="multipart")
        ids.append(expect(answer, 201)["id"])
    return ids


def posted(api: Any, user: Any, topic: Any, commits: Any) -> tuple[dict[str, Any], Photo]:
    """A post by `user` carrying one new upload of theirs (its check asked), and its photo."""
    (photo_id,) = uploaded(api, user)
    with commits():
        post = expect(api.as_user(user).post(posts_url(topic), {"body": "看图", "attachments": [photo_id]}), 201)
    return post, Photo.objects.get(attachment_id=photo_id)


def push(api: Any, wechat: Any, trace_id: str, **signing: Any) -> Any:
    return api.post(wechat.push_path(PUSH, **signing), wechat.media_push_event(trace_id))


def trace_of(photo_id: int) -> str:
    return Photo.objects.get(pk=photo_id).trace_id


def thread_photos(api: Any, user: Any, topic: Any) -> dict[int, list[dict[str, Any]]]:
    rows = expect(api.as_user(user).get(posts_url(topic)), 200)["results"]
    return {row["id"]: row["photos"] for row in rows}


def served(api: Any, url: str) -> bytes:
    assert url.startswith(f"{BASE}/files/")
    answer = api.get(urlsplit(url).path)
    assert answer.status_code == 200
    return b"".join(answer.streaming_content)


# --- success -----------------------------------------------------------------------------


def test_a_posts_photos_are_checked_and_shown_once_they_pass(api, tree, topic, checked, commits, neighbour):
    ids = uploaded(api, tree.resident1, 2)
    with commits():
        post = expect(api.as_user(tree.resident1).post(posts_url(topic), {"body": "楼道照片", "attachments": ids}), 201)
    assert post["photos"] == []  # pending: nobody sees them yet, not even the author
    sent = checked.media_checks
    assert len(sent) == 2 and all(c["media_url"].startswith(f"{BASE}/files/") for c in sent)
    assert {c["scene"] for c in sent} == {2} and {c["openid"] for c in sent} == {"o-resident1"}
    photos = list(Photo.objects.filter(post_id=post["id"]).order_by("pk"))
    assert [p.attachment_id for p in photos] == ids and all(p.trace_id for p in photos)
    assert [c["trace_id"] for c in sent] == [p.trace_id for p in photos]
    assert thread_photos(api, neighbour(), topic) == {post["id"]: []}

    answer = push(api, checked, photos[0].trace_id)
    assert answer.status_code == 200 and answer.content == b"success"
    shown = thread_photos(api, neighbour(), topic)[post["id"]]
    assert [p["id"] for p in shown] == [photos[0].pk]
    assert served(api, shown[0]["url"]) == photos[0].attachment.file.open("rb").read()
    # A repeated verdict (a fresh push of the same trace) changes nothing.
    assert push(api, checked, photos[0].trace_id).status_code == 200
    assert Photo.objects.get(pk=photos[0].pk).check_status == "pass"
    assert Photo.objects.get(pk=photos[1].pk).check_status == "pending"


def test_a_topics_photos_are_served_in_its_detail_once_they_pass(api, tree, checked, commits, neighbour):
    (photo_id,) = uploaded(api, tree.resident1)
    body = {"grid": tree.micro1.pk, "title": "小区门口积水", "body": "下雨天门口积水很深。", "attachments": [photo_id]}
    with commits():
        topic = expect(api.as_user(tree.resident1).post("/api/v1/consultations", body), 201)
    assert topic["photos"] == []
    (sent,) = checked.media_checks
    assert sent["scene"] == 3
    detail = f"/api/v1/consultations/{topic['id']}"
    assert expect(api.as_user(neighbour()).get(detail), 200)["photos"] == []
    (photo,) = Photo.objects.filter(consultation_id=topic["id"])
    assert push(api, checked, photo.trace_id).status_code == 200
    shown = expect(api.as_user(neighbour()).get(detail), 200)["photos"]
    assert [p["id"] for p in shown] == [photo.pk] and served(api, shown[0]["url"])


def test_a_risky_photo_is_deleted_and_its_author_told(api, tree, topic, checked, commits, neighbour):
    checked.behaviour["media_verdicts"] = {"/files/": ("risky", 20002)}
    post, photo = posted(api, tree.resident1, topic, commits)
    name = photo.attachment.file.name
    assert default_storage.exists(name)
    with captured_notifications() as sent, commits():
        assert push(api, checked, photo.trace_id).status_code == 200
    photo.refresh_from_db()
    assert photo.check_status == "risky" and photo.check_label == "20002"
    assert not default_storage.exists(name)
    assert sent.to(tree.resident1) == ["consultation_photo_rejected"]
    assert "色情" in sent.messages()[0].body
    log = ModerationLog.objects.get(photo=photo)
    assert log.action == "reject" and log.actor is None and log.post_id == post["id"]
    assert thread_photos(api, neighbour(), topic) == {post["id"]: []}


def test_a_photo_for_review_waits_for_staff_who_release_it(api, tree, topic, checked, commits, neighbour):
    checked.behaviour["media_verdicts"] = {"/files/": ("review", 20012)}
    post, photo = posted(api, tree.resident1, topic, commits)
    with captured_notifications() as sent:
        assert push(api, checked, photo.trace_id).status_code == 200
    assert sent.events() == []
    assert Photo.objects.get(pk=photo.pk).check_status == "review"
    assert ModerationLog.objects.get(photo=photo).action == "hold"
    assert thread_photos(api, neighbour(), topic) == {post["id"]: []}

    queue = expect(api.as_user(tree.staff1).get("/api/v1/moderation/queue?kind=photo"), 200)
    assert queue["counts"]["photos_held"] == 1
    (row,) = queue["results"]
    assert row["kind"] == "photo" and row["id"] == photo.pk and row["post"] == post["id"]
    assert row["consultation"] == topic.pk and row["held_label"] == "20012" and served(api, row["url"])
    far = expect(api.as_user(tree.staff2).get("/api/v1/moderation/queue?kind=photo"), 200)
    assert far["results"] == [] and far["counts"]["photos_held"] == 0

    with captured_notifications() as sent:
        released = expect(api.as_user(tree.staff1).post(f"/api/v1/photos/{photo.pk}/release"), 200)
    assert released == {"id": photo.pk, "check_status": "pass"}
    assert sent.to(tree.resident1) == ["consultation_photo_released"]
    log = ModerationLog.objects.filter(photo=photo).latest("pk")
    assert log.action == "approve" and log.actor == tree.staff1
    assert [p["id"] for p in thread_photos(api, neighbour(), topic)[post["id"]]] == [photo.pk]
    # Settled: neither staff nor a late push changes it again.
    expect(api.as_user(tree.staff1).post(f"/api/v1/photos/{photo.pk}/release"), 409, "not_held")
    assert push(api, checked, photo.trace_id).status_code == 200
    assert Photo.objects.get(pk=photo.pk).check_status == "pass"


def test_staff_refuse_a_photo_for_review_with_a_reason(api, tree, topic, checked, commits, neighbour):
    checked.behaviour["media_verdicts"] = {"/files/": ("review", 20012)}
    (photo_id,) = uploaded(api, tree.resident1)
    with commits():
        body = {"grid": tree.micro1.pk, "title": "看这张图", "body": "门口的情况。", "attachments": [photo_id]}
        expect(api.as_user(tree.resident1).post("/api/v1/consultations", body), 201)
    photo = Photo.objects.get(attachment_id=photo_id)
    assert push(api, checked, photo.trace_id).status_code == 200
    hide = f"/api/v1/photos/{photo.pk}/hide"
    # Refusals first: out of reach 404, not staff 403 (before the body), no reason 400.
    expect(api.as_user(tree.staff2).post(hide, {"reason": "x"}), 404)
    expect(api.as_user(tree.resident1).post(hide, {}), 403, "not_staff")
    expect(api.as_user(tree.resident1).post(f"/api/v1/photos/{photo.pk}/release"), 403, "not_staff")
    expect(api.as_user(tree.staff1).post(hide, {"reason": ""}), 400)
    expect(api.as_user(tree.staff1).post("/api/v1/photos/999999/release"), 404)
    assert Photo.objects.get(pk=photo.pk).check_status == "review"

    name = photo.attachment.file.name
    with captured_notifications() as sent, commits():
        refused = expect(api.as_user(tree.staff1).post(hide, {"reason": "含个人隐私"}), 200)
    assert refused["check_status"] == "risky" and not default_storage.exists(name)
    assert sent.to(tree.resident1) == ["consultation_photo_rejected"] and "含个人隐私" in sent.messages()[0].body
    log = ModerationLog.objects.filter(photo=photo).latest("pk")
    assert log.action == "reject" and log.actor == tree.staff1 and log.reason == "含个人隐私"
    expect(api.as_user(tree.staff1).post(hide, {"reason": "again"}), 409, "not_held")


def test_a_hidden_posts_placeholder_shows_no_photos(api, tree, topic, checked, commits, neighbour):
    post, photo = posted(api, tree.resident1, topic, commits)
    assert push(api, checked, photo.trace_id).status_code == 200
    assert len(thread_photos(api, neighbour(), topic)[post["id"]]) == 1
    expect(api.as_user(tree.staff1).post(f"/api/v1/posts/{post['id']}/hide", {"reason": "跑题"}), 200)
    assert thread_photos(api, neighbour(), topic) == {post["id"]: []}


def test_a_thread_page_reads_its_photos_in_one_query(api, tree, topic, checked, commits):
    """The page's photos come in one query however many posts carry them."""

    def page_queries(posts: int) -> int:
        for _ in range(posts):
            ids = uploaded(api, tree.resident1, 2)
            with commits():
                expect(api.as_user(tree.resident1).post(posts_url(topic), {"body": "图", "attachments": ids}), 201)
        for photo in Photo.objects.filter(check_status="pending"):
            assert push(api, checked, photo.trace_id).status_code == 200
        client = api.as_user(tree.staff1)
        with CaptureQueriesContext(connection) as queries:
            page = expect(client.get(posts_url(topic)), 200)["results"]
        assert all(len(row["photos"]) == 2 for row in page)
        return len(queries)

    assert page_queries(1) == page_queries(3)


def test_when_wechat_is_down_a_photo_stays_pending_and_is_asked_again(api, tree, topic, checked, commits):
    checked.behaviour["down"] = True
    _, photo = posted(api, tree.resident1, topic, commits)
    assert photo.check_status == "pending" and photo.trace_id is None
    checked.behaviour.pop("down")
    assert request_pending_photo_checks() == 1  # the periodic task (beat)
    assert trace_of(photo.pk) and [c["trace_id"] for c in checked.media_checks] == [trace_of(photo.pk)]


def test_without_wechat_a_photo_passes_at_once(api, tree, topic, commits, neighbour):
    post, _ = posted(api, tree.resident1, topic, commits)
    assert len(thread_photos(api, neighbour(), topic)[post["id"]]) == 1


# --- refused attachments -----------------------------------------------------------------


def test_more_photos_than_the_setting_is_400_too_many_attachments(api, tree, topic, settings):
    settings.CONSULTATION_MAX_PHOTOS = 2
    ids = uploaded(api, tree.resident1, 3)
    client = api.as_user(tree.resident1)
    expect(client.post(posts_url(topic), {"body": "三张图", "attachments": ids}), 400, "too_many_attachments")
    body = {"grid": tree.micro1.pk, "title": "三张图", "body": "三张图。", "attachments": ids}
    expect(client.post("/api/v1/consultations", body), 400, "too_many_attachments")
    assert not Post.objects.exists() and not Photo.objects.exists()
    assert expect(client.post(posts_url(topic), {"body": "两张图", "attachments": ids[:2]}), 201)


def test_someone_elses_used_or_unknown_uploads_are_400_invalid_attachment(api, tree, topic):
    mine, theirs = uploaded(api, tree.resident1, 2), uploaded(api, tree.resident2)
    client = api.as_user(tree.resident1)
    expect(client.post(posts_url(topic), {"body": "有图", "attachments": [mine[0]]}), 201)
    for ids in ([mine[0]], theirs, [999999], [mine[1], theirs[0]]):
        expect(client.post(posts_url(topic), {"body": "有图", "attachments": ids}), 400, "invalid_attachment")
        body = {"grid": tree.micro1.pk, "title": "有图", "body": "有图。", "attachments": ids}
        expect(client.post("/api/v1/consultations", body), 400, "invalid_attachment")
    assert Post.objects.count() == 1 and Photo.objects.count() == 1
    # Nothing of a refused call is kept: mine[1] is still unused, and usable.
    expect(client.post(posts_url(topic), {"body": "还有图", "attachments": [mine[1]]}), 201)


def test_an_upload_is_used_once_across_appeals_and_consultations(api, tree, topic):
    on_post, on_appeal = uploaded(api, tree.resident1, 2)
    client = api.as_user(tree.resident1)
    expect(client.post(posts_url(topic), {"body": "有图", "attachments": [on_post]}), 201)
    appeal = {"category": "environment", "title": "t", "description": "d", "grid": tree.micro1.pk}
    expect(client.post("/api/v1/appeals", appeal | {"attachments": [on_post]}), 400, "invalid_attachment")
    expect(client.post("/api/v1/appeals", appeal | {"attachments": [on_appeal]}), 201)
    expect(client.post(posts_url(topic), {"body": "有图", "attachments": [on_appeal]}), 400, "invalid_attachment")


def test_photos_on_a_topic_out_of_reach_are_404(api, tree, topic, far_topic):
    (photo_id,) = uploaded(api, tree.resident1)
    expect(api.as_user(tree.resident1).post(posts_url(far_topic), {"body": "图", "attachments": [photo_id]}), 404)
    far = make_topic(grid=tree.micro2, author=tree.resident2)
    photo = Photo.objects.create(
        attachment_id=uploaded(api, tree.resident2)[0], consultation=far, check_status="review"
    )
    expect(api.as_user(tree.staff1).post(f"/api/v1/photos/{photo.pk}/release"), 404)
    expect(api.as_user(tree.resident1).post(f"/api/v1/photos/{photo.pk}/hide", {"reason": "x"}), 404)


# --- the push endpoint's refusals --------------------------------------------------------


@pytest.fixture
def pending(api: Any, tree: Any, topic: Any, checked: Any, commits: Any) -> Photo:
    return posted(api, tree.resident1, topic, commits)[1]


def still_pending(photo: Photo) -> bool:
    return Photo.objects.get(pk=photo.pk).check_status == "pending"


@pytest.mark.parametrize("age", [400, -400])  # well past the 300 s window either way
def test_a_push_older_or_newer_than_the_window_is_403_push_expired(api, checked, pending, settings, age):
    settings.WECHAT_PUSH_MAX_AGE_SECONDS = 300
    answer = push(api, checked, pending.trace_id, timestamp=int(time.time()) - age)
    expect(answer, 403, "push_expired")
    assert still_pending(pending)


def test_a_push_without_a_numeric_timestamp_is_403_push_expired(api, checked, pending):
    # Signed over the bad timestamp itself: the signature holds, the time does not.
    signature = push_signature("push-token", "soon", "n-2")
    answer = api.post(
        f"{PUSH}?signature={signature}&timestamp=soon&nonce=n-2", checked.media_push_event(pending.trace_id)
    )
    expect(answer, 403, "push_expired")
    assert still_pending(pending)


def test_a_replayed_nonce_is_403_push_replayed(api, checked, pending):
    event = checked.media_push_event(pending.trace_id)
    sent = int(time.time())
    path = checked.push_path(PUSH, nonce="once-only", timestamp=sent)
    assert api.post(path, event).status_code == 200
    Photo.objects.filter(pk=pending.pk).update(check_status="pending")  # as if the first had not landed
    expect(api.post(path, event), 403, "push_replayed")
    assert still_pending(pending)
    # Another push that happens to reuse the nonce at another time is not a replay.
    assert api.post(checked.push_path(PUSH, nonce="once-only", timestamp=sent - 1), event).status_code == 200
    assert Photo.objects.get(pk=pending.pk).check_status == "pass"


@pytest.mark.parametrize(
    "body",
    [
        {"Event": "wxa_media_check", "result": {"suggest": "pass", "label": 100}},
        {"Event": "wxa_media_check", "trace_id": "t", "result": {"suggest": "maybe", "label": 100}},
        {"Event": "wxa_media_check", "trace_id": "t", "result": "pass"},
        {"Event": "wxa_media_check", "trace_id": "t", "result": {"suggest": "pass", "label": "x"}},
        {"Event": "wxa_media_check", "trace_id": 12, "result": {"suggest": "pass", "label": 100}},
        ["not", "an", "object"],
    ],
)
def test_a_malformed_push_is_400_bad_push_and_its_nonce_is_not_spent(api, checked, pending, body):
    path = checked.push_path(PUSH, nonce="n-1")
    expect(api.post(path, body), 400, "bad_push")
    assert still_pending(pending)
    # WeChat's retry with the same nonce (and a good body) is handled.
    assert api.post(path, checked.media_push_event(pending.trace_id)).status_code == 200
    assert Photo.objects.get(pk=pending.pk).check_status == "pass"


def test_a_push_that_is_not_json_is_400_bad_push(api, checked, pending):
    answer = api.generic("POST", checked.push_path(PUSH), "{not json", content_type="application/json")
    expect(answer, 400, "bad_push")
    assert still_pending(pending)


def test_a_badly_signed_push_is_403_and_changes_nothing(api, checked, pending):
    answer = api.post(checked.push_path(PUSH, token="not-our-token"), checked.media_push_event(pending.trace_id))
    expect(answer, 403, "bad_signature")
    assert still_pending(pending)


# --- the actions themselves --------------------------------------------------------------


def test_the_verdict_and_moderation_actions_directly(api, tree, topic, checked, commits):
    _, photo = posted(api, tree.resident1, topic, commits)
    assert do_record_photo_verdict(trace_id=photo.trace_id, suggest="review", label=20012) == 1
    assert do_record_photo_verdict(trace_id=photo.trace_id, suggest="pass", label=100) == 0  # settled by the first
    assert do_record_photo_verdict(trace_id="unknown-trace", suggest="pass", label=100) == 0
    with pytest.raises(PermissionDenied):
        do_release_photo(photo=photo, actor=tree.resident1)
    with pytest.raises(InvalidInput):
        do_reject_photo(photo=photo, actor=tree.staff1, reason="  ")
    with captured_notifications() as sent:
        assert do_release_photo(photo=photo, actor=tree.staff1).check_status == "pass"
    assert sent.to(tree.resident1) == ["consultation_photo_released"]
    with pytest.raises(Conflict):
        do_reject_photo(photo=photo, actor=tree.staff1, reason="太晚了")
    assert [log.action for log in ModerationLog.objects.filter(photo=photo).order_by("pk")] == ["hold", "approve"]
