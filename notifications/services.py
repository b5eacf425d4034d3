"""The one entry point other apps call to notify people: `notify(...)`, and every other write of
the notifications app (inbox, group-chat registry, announcements, staff retries).

CONTRACT (other apps rely on it; keep the signature):

    notify(
        event="appeal_accepted",          # a registered EventTemplate key
        users=[user, ...] or a QuerySet,  # inbox rows (and subscribe messages) for these users
                                          #   (User objects, ids, or a QuerySet of users)
        grid=unit or None,                # the group chats of this unit receive the message
        subtree=False,                    # True: chats of every unit under `grid` as well
        residents_under=None,             # a GridUnit: inbox rows for every verified resident
                                          #   living under it (batched; e.g. a district vote)
        context={"title": ..., ...},      # JSON-serializable values for the templates
        channels=None,                    # subset of {"inbox", "group_chat", "subscribe"}; None = all
    ) -> None

Called inside the caller's transaction: it writes the inbox and delivery rows there and
enqueues sending on commit, so nothing is sent for a change that rolled back.

What it writes: one `Message` (the texts rendered once from the event's template); one inbox
row per recipient (users and residents_under together, each user once), in one INSERT ...
SELECT however many; one `Delivery` per active group chat of `grid` (or its subtree); one
`Delivery` per recipient with an openid when the template names a subscribe template whose id
is configured (settings.WECHAT_SUBSCRIBE_TEMPLATES). After commit the new inbox rows are pushed
to the recipients' sockets and the deliveries are handed to Celery (a large fan-out through one
task); a delivery whose enqueue failed (broker down) is picked up by the sweeper.
Context values may be model instances (rendered with attribute access, "{appeal.number}",
stored by primary key); unknown placeholders render empty.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from backend import workflow
from backend.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from backend.messages import Msg
from grids.models import GridUnit
from grids.roles import STAFF_ROLES
from grids.scope import in_reach, reach_paths
from residents.models import User
from residents.selectors import verified_residents_under

from . import delivery as delivery_service
from .models import Announcement, Channel, Delivery, GroupChat, Message, Notification
from .providers.subscribe import cut_values
from .templates import EventTemplate, render, template_for

log = logging.getLogger(__name__)

ALL_CHANNELS = frozenset({"inbox", "group_chat", "subscribe"})


def notify(
    *,
    event: str,
    users: Iterable[Any] = (),
    grid: Any = None,
    subtree: bool = False,
    residents_under: Any = None,
    context: dict[str, Any] | None = None,
    channels: Iterable[str] | None = None,
) -> None:
    fan_out(
        event=event,
        users=users,
        grid=grid,
        subtree=subtree,
        residents_under=residents_under,
        context=context,
        channels=channels,
    )


@dataclass(frozen=True)
class FanOut:
    message: Message
    inbox: int
    deliveries: int


def fan_out(
    *,
    event: str,
    users: Iterable[Any] = (),
    grid: GridUnit | None = None,
    subtree: bool = False,
    residents_under: GridUnit | None = None,
    context: dict[str, Any] | None = None,
    channels: Iterable[str] | None = None,
    chats: QuerySet[GroupChat] | None = None,
    mention_all: bool = False,
    enqueue: bool = True,
    now: datetime | None = None,
) -> FanOut:
    """`notify` with the extras this app's own services need: explicit `chats`, @everyone,
    and `enqueue=False` for a caller that sends at once (the test message)."""
    template = template_for(event)
    chosen = ALL_CHANNELS if channels is None else frozenset(channels)
    if chosen - ALL_CHANNELS:
        raise ValueError(f"unknown notification channels: {sorted(chosen - ALL_CHANNELS)}")
    context = dict(context or {})
    now = now or timezone.now()
    scope_unit = residents_under or grid
    message = Message.objects.create(
        event=event,
        title=render(template.title, context)[:200],
        body=render(template.body, context),
        page=render(template.page, context)[:255],
        context=_storable(context),
        subscribe=_subscribe_payload(template, context) if "subscribe" in chosen else {},
        mention_all=mention_all,
        grid_path=scope_unit.path if scope_unit is not None else "",
    )

    audience = _audience(users, residents_under)
    inbox = 0
    if "inbox" in chosen and audience is not None:
        inbox = _insert_select(Notification, audience, ["user"], {"message": message.pk, "created_at": now})

    deliveries = 0
    if "group_chat" in chosen:
        if chats is None and grid is not None:
            chats = GroupChat.objects.filter(Q(grid_path__startswith=grid.path) if subtree else Q(grid=grid))
        if chats is not None:
            source = chats.filter(is_active=True).values_list("pk", "provider", "grid_path")
            deliveries += _insert_select(
                Delivery,
                source,
                ["chat", "provider", "grid_path"],
                {**_delivery_constants(message, Channel.GROUP_CHAT, now), "openid": ""},
            )
    if message.subscribe and audience is not None:
        source = (
            User.objects.filter(pk__in=audience)
            .exclude(Q(openid__isnull=True) | Q(openid=""))
            .values_list("pk", "openid")
        )
        deliveries += _insert_select(
            Delivery,
            source,
            ["user", "openid"],
            {
                **_delivery_constants(message, Channel.SUBSCRIBE, now),
                "provider": "subscribe",
                "grid_path": message.grid_path,
            },
        )
    if inbox > 10_000:
        log.info("notify %s: %d inbox rows, %d deliveries", event, inbox, deliveries)
    if enqueue and (inbox or deliveries):
        transaction.on_commit(
            lambda: delivery_service.after_commit(message.pk, inbox=inbox, deliveries=deliveries), robust=True
        )
    return FanOut(message=message, inbox=inbox, deliveries=deliveries)


def _storable(context: dict[str, Any]) -> dict[str, Any]:
    """The context as JSON: model instances by primary key, dates as ISO text."""

    def one(value: Any) -> Any:
        if isinstance(value, models.Model):
            return value.pk
        if isinstance(value, dict):
            return {str(k): one(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set)):
            return [one(v) for v in value]
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        try:
            return DjangoJSONEncoder().default(value)  # dates, decimals, UUIDs, lazy texts
        except TypeError:
            return str(value)

    return {str(k): one(v) for k, v in context.items()}


def _subscribe_payload(template: EventTemplate, context: dict[str, Any]) -> dict[str, Any]:
    template_id = settings.WECHAT_SUBSCRIBE_TEMPLATES.get(template.subscribe or "", "")
    if not template.subscribe or not template_id:
        return {}
    data = {key: render(fmt, context) for key, fmt in template.subscribe_fields.items()}
    return {"template_id": template_id, "data": cut_values(data), "page": render(template.page, context)}


def _audience(users: Iterable[Any], residents_under: GridUnit | None) -> QuerySet | None:
    """A one-column query of recipient user ids (each once), or None for nobody."""
    if isinstance(users, QuerySet):
        explicit: QuerySet | None = User.objects.filter(pk__in=users.values("pk"))
    else:
        ids = sorted({u if isinstance(u, int) else u.pk for u in users if u is not None})
        explicit = User.objects.filter(pk__in=ids) if ids else None
    if residents_under is None:
        return explicit.values_list("pk") if explicit is not None else None
    residents = verified_residents_under(path=residents_under.path)
    if explicit is None:
        # A user has at most one verified residence: no duplicates, and no join with users.
        return residents.values_list("user_id")
    return User.objects.filter(Q(pk__in=explicit.values("pk")) | Q(pk__in=residents.values("user_id"))).values_list(
        "pk"
    )


def _delivery_constants(message: Message, channel: str, now: datetime) -> dict[str, Any]:
    return {
        "message": message.pk,
        "channel": channel,
        "status": Delivery.Status.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_token": "",
        "last_error": "",
        "created_at": now,
    }


def _insert_select(model: type[models.Model], source: QuerySet, columns: list[str], constants: dict[str, Any]) -> int:
    """INSERT INTO model (columns..., constants...) SELECT source's columns, constants: a fan-out
    of any size in one statement, without the rows travelling through Python."""
    select_sql, select_params = source.query.sql_with_params()
    meta = model._meta
    quote = connection.ops.quote_name
    names = [*columns, *constants]
    target = ", ".join(quote(meta.get_field(name).column) for name in names)
    values = [meta.get_field(name).get_db_prep_save(value, connection) for name, value in constants.items()]
    placeholders = ", ".join(["%s"] * len(values))
    sql = f"INSERT INTO {quote(meta.db_table)} ({target}) SELECT src.*, {placeholders} FROM ({select_sql}) src"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *select_params])
        return max(cursor.rowcount, 0)


# --- scope helpers -------------------------------------------------------------------------


def ensure_staff_of(user: Any, unit: GridUnit) -> None:
    """Staff of `unit`'s subtree only: no staff role anywhere is 403, a unit outside is 404."""
    if not reach_paths(user, STAFF_ROLES):
        raise PermissionDenied()
    if not in_reach(user, unit, STAFF_ROLES):
        raise NotFound()


# --- inbox ---------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, notification: Notification, user: Any, now: datetime | None = None) -> Notification:
    if notification.user_id != user.pk:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: Any, now: datetime | None = None) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())


# --- group chats ---------------------------------------------------------------------------


def check_webhook(provider: str, url: str) -> None:
    """Only the provider's own hosts (plus configured extras): staff must not make the server
    POST to arbitrary addresses."""
    parts = urlsplit(url)
    allowed = {*settings.ROBOT_WEBHOOK_HOSTS.get(provider, []), *settings.ROBOT_WEBHOOK_EXTRA_HOSTS}
    if parts.scheme not in {"https", "http"} or (parts.hostname or "") not in allowed:
        raise InvalidInput(
            Msg("群机器人地址不是该平台的 Webhook 地址。", "The webhook URL is not one of this provider's."),
            code="invalid_webhook_url",
            fields={
                "webhook_url": [
                    Msg("主机须为以下之一：{hosts}", "host must be one of: {hosts}").format(
                        hosts=", ".join(sorted(allowed))
                    )
                ]
            },
        )
    if parts.scheme != "https" and parts.hostname not in settings.ROBOT_WEBHOOK_EXTRA_HOSTS:
        raise InvalidInput(
            Msg("群机器人地址必须使用 HTTPS。", "The webhook URL must use HTTPS."),
            code="invalid_webhook_url",
            fields={"webhook_url": [Msg("须使用 https。", "https required")]},
        )


def _ensure_unique_webhook(url: str, *, exclude: int | None = None) -> None:
    clash = GroupChat.objects.filter(webhook_digest=GroupChat.digest_of(url))
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise Conflict(
            Msg("该群机器人已登记。", "This robot is already registered."),
            code="duplicate_webhook",
            fields={"webhook_url": [Msg("已登记。", "already registered")]},
        )


@transaction.atomic
def group_chat_create(
    *, actor: Any, grid: GridUnit, name: str, provider: str, webhook_url: str, secret: str = ""
) -> GroupChat:
    ensure_staff_of(actor, grid)
    webhook_url = webhook_url.strip()
    check_webhook(provider, webhook_url)
    _ensure_unique_webhook(webhook_url)
    chat = GroupChat(
        grid=grid, name=name, provider=provider, webhook_url=webhook_url, secret=secret.strip(), created_by=actor
    )
    chat.save()
    return chat


@transaction.atomic
def group_chat_update(*, chat: GroupChat, actor: Any, **changes: Any) -> GroupChat:
    """Rename, (de)activate, or replace the webhook / secret (an empty secret keeps the old one
    unless `clear_secret`)."""
    chat = GroupChat.objects.select_for_update().select_related("grid").get(pk=chat.pk)
    ensure_staff_of(actor, chat.grid)
    if "name" in changes:
        chat.name = changes["name"]
    if "is_active" in changes:
        chat.is_active = changes["is_active"]
    if changes.get("webhook_url"):
        url = changes["webhook_url"].strip()
        check_webhook(chat.provider, url)
        _ensure_unique_webhook(url, exclude=chat.pk)
        chat.webhook_url = url
    if changes.get("secret"):
        chat.secret = changes["secret"].strip()
    elif changes.get("clear_secret"):
        chat.secret = ""
    chat.save()
    return chat


def group_chat_send_test(*, chat: GroupChat, actor: Any) -> Delivery:
    """Send a test message to one chat now and answer how it went (the same delivery path as
    every other message: claim, rate limit, provider, audit row)."""
    with transaction.atomic():
        ensure_staff_of(actor, chat.grid)
        result = fan_out(
            event="group_chat_test",
            context={"chat_name": chat.name},
            channels={"group_chat"},
            chats=GroupChat.objects.filter(pk=chat.pk),
            grid=chat.grid,
            enqueue=False,
        )
        delivery = Delivery.objects.filter(message=result.message).first()
    if delivery is None:
        raise Conflict(Msg("该群聊已停用。", "This group chat is disabled."), code="group_chat_inactive")
    delivery_service.deliver(delivery.pk)
    delivery.refresh_from_db()
    return delivery


# --- announcements -------------------------------------------------------------------------


@transaction.atomic
def announcement_create(
    *,
    actor: Any,
    grid: GridUnit,
    title: str,
    body: str,
    channels: Iterable[str] = ("inbox", "group_chat"),
    mention_all: bool = False,
    now: datetime | None = None,
) -> Announcement:
    """Post to the inboxes of every verified resident under `grid`, the group chats of the
    subtree and, if chosen, the residents' subscribe messages."""
    ensure_staff_of(actor, grid)
    channels = sorted(set(channels))
    if not channels or set(channels) - ALL_CHANNELS:
        raise InvalidInput(
            fields={
                "channels": [
                    Msg("请从 {channels} 中选择。", "choose from {channels}").format(channels=sorted(ALL_CHANNELS))
                ]
            }
        )
    now = now or timezone.now()
    announcement = Announcement.objects.create(grid=grid, title=title, body=body, channels=channels, author=actor)
    result = fan_out(
        event="announcement",
        grid=grid,
        subtree=True,
        residents_under=grid,
        channels=channels,
        mention_all=mention_all,
        now=now,
        context={
            "title": title,
            "body": body,
            "grid_name": grid.name,
            "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
            "announcement_id": announcement.pk,
            "author": getattr(actor, "display_name", ""),
        },
    )
    announcement.message = result.message
    announcement.recipients = result.inbox
    announcement.save(update_fields=["message", "recipients"])
    return announcement


# --- deliveries ----------------------------------------------------------------------------


@transaction.atomic
def delivery_retry(*, delivery: Delivery, actor: Any, now: datetime | None = None) -> Delivery:
    """Staff send a dead delivery again: back to pending with a fresh attempt budget."""
    delivery = workflow.lock(delivery)
    if not any(delivery.grid_path.startswith(p) for p in reach_paths(actor, STAFF_ROLES)):
        raise NotFound()
    now = now or timezone.now()
    workflow.transition(delivery, "retry", actor=actor, at=now, changes={"attempts": 0, "next_attempt_at": now})
    transaction.on_commit(lambda: delivery_service.enqueue([delivery.pk]), robust=True)
    return delivery
