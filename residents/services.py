"""Every write on accounts and residences: one function per use case."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from backend import throttling, wechat, workflow
from backend.errors import Conflict, InvalidInput, PermissionDenied, Throttled, UpstreamUnavailable
from backend.http import OutboundError
from backend.messages import TAKEN, Msg
from backend.uniques import unique_or
from grids.models import HOME_LEVELS, Assignment, GridUnit
from grids.roles import ADMIN_ROLES, HANDLER_ROLES
from grids.scope import ensure_in_reach, reach_paths

from .models import Residence, ResidenceStatus, User

log = logging.getLogger(__name__)


# --- login -------------------------------------------------------------------------------


@contextmanager
def _wechat_refusals(*, code: str, zh: str, en: str) -> Iterator[None]:
    """WeChat said no (an errcode): 400 with `code`; WeChat did not answer: 503."""
    try:
        yield
    except wechat.WeChatError as exc:
        raise InvalidInput(
            Msg(f"{zh}（{exc.errcode}）。", f"{en} ({exc.errcode})."),
            code=code,
            fields={"code": [exc.errmsg or str(exc.errcode)]},
        ) from exc
    except OutboundError as exc:
        log.warning("WeChat unreachable: %s", exc)
        raise UpstreamUnavailable(code="wechat_unavailable") from exc


@transaction.atomic
def wechat_login(*, code: str) -> User:
    """Log a resident in with a wx.login code; the first login creates the account."""
    with _wechat_refusals(code="wechat_login_failed", zh="微信登录失败", en="WeChat login failed"):
        session = wechat.code2session(code)
    openid = session["openid"]
    user, created = User.objects.get_or_create(
        openid=openid,
        defaults={
            "username": f"wx_{hashlib.sha256(openid.encode()).hexdigest()[:24]}",
            "unionid": session.get("unionid", ""),
        },
    )
    if not user.is_active:
        raise PermissionDenied(Msg("账号已停用。", "This account is disabled."), code="account_disabled")
    # The mini-program logs in at each launch: the dashboard's active residents read this.
    user.last_login = timezone.now()
    if created:
        user.set_unusable_password()
    user.save(update_fields=["last_login", "password"] if created else ["last_login"])
    return user


def _lock_name(username: str) -> str:
    return f"login:{hashlib.sha256(username.strip().lower().encode()).hexdigest()}"


def password_login(*, username: str, password: str, request: Any = None) -> User:
    """Staff-side login through Django's authenticate(): the ModelBackend hashes the password
    for unknown usernames too (no timing oracle for which accounts exist) and a failure sends
    `user_login_failed`. After LOGIN_MAX_FAILURES failures within LOGIN_LOCKOUT_SECONDS the
    username is locked for LOGIN_LOCKOUT_SECONDS, shared by every web process, and Retry-After
    is what is left of the lock."""
    name = _lock_name(username)
    remaining = throttling.lockout_remaining(name)
    if remaining > 0:
        raise Throttled(
            Msg("登录失败次数过多，请稍后再试。", "Too many failed logins; try again later."),
            code="login_locked",
            headers={"Retry-After": str(remaining)},
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        throttling.record_failure(name, limit=settings.LOGIN_MAX_FAILURES, lockout=settings.LOGIN_LOCKOUT_SECONDS)
        raise InvalidInput(Msg("用户名或密码错误。", "Wrong username or password."), code="invalid_credentials")
    throttling.clear_failures(name)
    return user


# --- profile -----------------------------------------------------------------------------


@transaction.atomic
def user_update_profile(*, user: User, nickname: str | None = None, avatar_url: str | None = None) -> User:
    fields = []
    if nickname is not None:
        user.nickname = nickname
        fields.append("nickname")
    if avatar_url is not None:
        user.avatar_url = avatar_url
        fields.append("avatar_url")
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def user_bind_phone(*, user: User, code: str) -> User:
    """Bind the phone number WeChat vouches for (getPhoneNumber's code)."""
    with _wechat_refusals(code="wechat_phone_failed", zh="获取手机号失败", en="Could not get the phone number"):
        phone = wechat.phone_number(code)
    user.set_phone(phone)
    user.save(update_fields=["phone_encrypted", "phone_digest"])
    return user


# --- residences --------------------------------------------------------------------------


@transaction.atomic
def residence_claim(*, user: User, grid: GridUnit, address: str = "") -> Residence:
    if grid.level not in HOME_LEVELS:
        raise InvalidInput(
            Msg("请选择微网格或专属网格。", "Choose a micro-grid or a dedicated grid."),
            code="invalid",
            fields={"grid": [Msg("须为微网格或专属网格。", "must be a micro or dedicated grid")]},
        )
    pending = Conflict(
        Msg("已有一条待核实的居住信息。", "A residence claim is already pending."), code="residence_pending"
    )
    with unique_or(pending):
        return Residence.objects.create(user=user, grid=grid, address=address)


def _review(*, residence: Residence, actor: User, action: str, note: str) -> Residence:
    residence = workflow.lock(residence, related=("grid",))
    ensure_in_reach(actor, residence.grid, HANDLER_ROLES)
    workflow.check(residence, action)  # 409 before the previous home is touched
    if action == "verify":
        # Moving house: the previous verified home gives way to the new one.
        for old in (
            Residence.objects.select_for_update()
            .filter(user_id=residence.user_id, status=ResidenceStatus.VERIFIED)
            .order_by("pk")
        ):
            workflow.transition(old, "supersede", actor=actor)
    workflow.transition(
        residence, action, actor=actor, changes={"note": note, "reviewed_by": actor, "reviewed_at": timezone.now()}
    )
    return residence


@transaction.atomic
def residence_verify(*, residence: Residence, actor: User, note: str = "") -> Residence:
    return _review(residence=residence, actor=actor, action="verify", note=note)


@transaction.atomic
def residence_reject(*, residence: Residence, actor: User, note: str = "") -> Residence:
    return _review(residence=residence, actor=actor, action="reject", note=note)


# --- staff-side accounts -----------------------------------------------------------------


@transaction.atomic
def staff_account_create(
    *,
    actor: User,
    username: str,
    password: str,
    name: str = "",
    phone: str = "",
    grid: GridUnit | None = None,
    role: str | None = None,
) -> User:
    """An admin of a subtree creates a staff-side account, optionally with its first role
    inside that subtree."""
    if grid is not None:
        ensure_in_reach(actor, grid, ADMIN_ROLES)
    elif not reach_paths(actor, ADMIN_ROLES):
        raise PermissionDenied()
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(
            Msg("用户名已存在。", "This username is taken."), code="duplicate_username", fields={"username": [TAKEN]}
        )
    user = User(username=username, name=name)
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise InvalidInput(
            Msg("密码强度不足。", "The password is too weak."), fields={"password": exc.messages}
        ) from exc
    user.set_password(password)
    if phone:
        user.set_phone(phone)
    user.save()
    if grid is not None and role:
        Assignment.objects.create(user=user, unit=grid, role=role, assigned_by=actor)
    return user
