"""HTTP of the discussion (API.md "Consultations": posts, report, hide, unhide, moderation
queue): thin views over services and selectors. Scope first (404), then who may act (403),
then the body (400)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.errors import PermissionDenied
from backend.messages import Msg
from backend.pagination import paginated_response
from backend.views import validated
from grids.models import GridUnit
from grids.roles import HANDLER_ROLES
from grids.scope import reach_paths

from .. import photos
from ..api import _moderation_schema as moderation_schema
from ..permissions import ensure_staff
from ..selectors import consultation_get, ensure_visible
from . import selectors, services
from .serializers import (
    HideIn,
    ModeratedPostOut,
    PostIn,
    PostOut,
    QueueCountsOut,
    QueuedPostOut,
    QueuePhotoOut,
    QueueTextOut,
    ReportIn,
)


def post_answer(request: Request, post: Any, *, moderator: bool = False, code: int = status.HTTP_200_OK) -> Response:
    out = ModeratedPostOut if moderator else PostOut
    context = {"viewer_id": request.user.pk, "request": request}
    if moderator:
        context["reasons"] = {post.pk: services.report_reasons(post)}
    return Response(out(post, context=context).data, status=code)


class PostListApi(APIView):
    @extend_schema(
        operation_id="consultation_posts_list",
        parameters=[
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses=PostOut(many=True),
        description="The thread in thread order (each reply right after its parent); hidden posts are placeholders.",
    )
    def get(self, request: Request, consultation_id: int) -> Response:
        ensure_visible(user=request.user, consultation_id=consultation_id)
        rows = selectors.thread(user=request.user, consultation_id=consultation_id)
        context = {"viewer_id": request.user.pk, "request": request}
        return paginated_response(request, self, rows, PostOut, context=context, ordering="thread_key")

    @extend_schema(operation_id="consultation_posts_create", request=PostIn, responses={201: PostOut})
    def post(self, request: Request, consultation_id: int) -> Response:
        consultation = consultation_get(user=request.user, consultation_id=consultation_id)
        services.ensure_may_post(request.user, consultation)
        data = validated(PostIn, request)
        post = services.do_create_post(
            consultation=consultation,
            actor=request.user,
            body=data["body"],
            reply_to=data.get("reply_to"),
            stance=data.get("stance") or "",
            attachments=data.get("attachments") or [],
        )
        return post_answer(request, post, code=status.HTTP_201_CREATED)


class PostReportApi(APIView):
    @extend_schema(operation_id="post_report", request=ReportIn, responses=PostOut)
    def post(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        data = validated(ReportIn, request)
        post = services.do_report_post(post=post, actor=request.user, reason=data["reason"], note=data.get("note", ""))
        return post_answer(request, post)


class PostHideApi(APIView):
    @extend_schema(operation_id="post_hide", request=HideIn, responses=ModeratedPostOut)
    def post(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        services.ensure_moderator(request.user, post)
        data = validated(HideIn, request)
        post = services.do_hide_post(post=post, actor=request.user, reason=data["reason"])
        return post_answer(request, post, moderator=True)


class PostUnhideApi(APIView):
    @extend_schema(operation_id="post_unhide", request=None, responses=ModeratedPostOut)
    def post(self, request: Request, post_id: int) -> Response:
        post = selectors.post_get(user=request.user, post_id=post_id)
        post = services.do_unhide_post(post=post, actor=request.user)
        return post_answer(request, post, moderator=True)


class ModerationQueueApi(APIView):
    @extend_schema(
        operation_id="moderation_queue",
        parameters=[
            OpenApiParameter("grid", int, required=False, description="a unit of the caller's reach"),
            OpenApiParameter("kind", str, required=False, enum=list(selectors.QUEUE_KINDS)),
            OpenApiParameter("cursor", str, required=False),
            OpenApiParameter("page_size", int, required=False),
        ],
        responses=inline_serializer(
            "ModerationQueuePage",
            {
                "counts": QueueCountsOut(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                # One kind a page (the `kind` parameter), told apart by each row's `kind`.
                "results": PolymorphicProxySerializer(
                    component_name="ModerationQueueRow",
                    serializers={
                        "post": QueuedPostOut,
                        "objection": QueueTextOut,
                        "consultation": QueueTextOut,
                        "photo": QueuePhotoOut,
                    },
                    resource_type_field_name="kind",
                    many=True,
                ),
            },
        ),
        description="Held and reported posts of the caller's reach (kind=post), or held objections, topics or "
        "photos, newest first, with the counts of every kind.",
    )
    def get(self, request: Request) -> Response:
        if not reach_paths(request.user, HANDLER_ROLES):
            raise PermissionDenied(Msg("只有工作人员可以查看审核队列。", "Only staff see the queue."), code="not_staff")
        query = validated(QueueQuery, data=request.query_params)
        paths = selectors.moderation_paths(user=request.user, grid=query.get("grid"))
        kind = query.get("kind") or "post"
        if kind == "post":
            rows = selectors.queue_posts(paths=paths)
            context = {"viewer_id": request.user.pk, "request": request}
            response = paginated_response(request, self, rows, QueuedPostOut, context=context)
        elif kind == "objection":
            response = paginated_response(request, self, selectors.queue_objections(paths=paths), QueueTextOut)
        elif kind == "photo":
            rows = photos.queue_photos(paths=paths)
            response = paginated_response(request, self, rows, QueuePhotoOut, context={"request": request})
        else:
            response = paginated_response(request, self, selectors.queue_consultations(paths=paths), QueueTextOut)
        response.data["counts"] = selectors.queue_counts(paths=paths)
        return response


class PhotoOutcomeOut(serializers.Serializer):
    id = serializers.IntegerField()
    check_status = serializers.CharField()


class PhotoReleaseApi(APIView):
    """404 out of sight, 403 not staff, 400 no reason (hide), 409 not awaiting review."""

    hide = False

    @moderation_schema("photo", "release", PhotoOutcomeOut)
    def post(self, request: Request, photo_id: int) -> Response:
        photo = photos.photo_get(user=request.user, photo_id=photo_id)
        if self.hide:
            ensure_staff(request.user, photos.consultation_of(photo))  # 403 before the body's 400
            photo = photos.do_reject_photo(photo=photo, actor=request.user, reason=validated(HideIn, request)["reason"])
        else:
            photo = photos.do_release_photo(photo=photo, actor=request.user)
        return Response(PhotoOutcomeOut({"id": photo.pk, "check_status": photo.check_status}).data)


class PhotoHideApi(PhotoReleaseApi):
    hide = True

    @moderation_schema("photo", "hide", PhotoOutcomeOut)
    def post(self, request: Request, photo_id: int) -> Response:
        return super().post(request, photo_id)


class QueueQuery(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=GridUnit.objects.all(), required=False)
    kind = serializers.ChoiceField(choices=[(k, k) for k in selectors.QUEUE_KINDS], required=False)
