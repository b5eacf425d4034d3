"""`Idempotency-Key` on creating POSTs: the same key from the same user returns the first
answer instead of creating a second appeal / case / consultation (a mini-program retries after
a timeout without knowing whether the first request landed).

One mechanism for every create view, applied with one decorator line:

    @idempotent
    def post(self, request): ...

Kept in the cache (Redis when deployed, shared by every process) rather than a table: backend
owns no models, and an answer is only worth replaying for a day. `cache.add` is the lock, so two
concurrent requests with one key cannot both run the view: the second gets 409
`idempotency_in_progress` and retries. The key is scoped by view and user, and remembers a
fingerprint of the body: the same key with a different body is refused with 422.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.response import Response

from .errors import Conflict, DomainError
from .messages import Msg

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
TTL_SECONDS = 24 * 3600
LOCK_SECONDS = 60  # longer than any create takes; a crashed request frees its key by then
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(DomainError):
    status = 422
    code = "idempotency_key_reused"
    default_message = Msg("该幂等键已用于另一请求。", "This Idempotency-Key was used for a different request.")


def _fingerprint(request: Request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=str)
    except (TypeError, ValueError):
        body = repr(request.data)
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER, "")
        if not key:
            return method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise DomainError(
                Msg("幂等键无效。", "The Idempotency-Key is invalid."),
                code="invalid_idempotency_key",
                fields={
                    HEADER: [
                        Msg("最多 {n} 个可打印字符。", "at most {n} printable characters").format(n=MAX_KEY_LENGTH)
                    ]
                },
            )
        scope = f"{type(view).__module__}.{type(view).__qualname__}:{request.user.pk}:{key}"
        name = "idem:" + hashlib.sha256(scope.encode()).hexdigest()
        fingerprint = _fingerprint(request)
        stored = cache.get(name)
        if stored is None:
            if not cache.add(f"{name}:lock", 1, LOCK_SECONDS):
                raise Conflict(
                    Msg("相同请求正在处理中，请稍后重试。", "The same request is in progress; retry shortly."),
                    code="idempotency_in_progress",
                    headers={"Retry-After": "1"},
                )
            try:
                stored = cache.get(name)  # finished between our read and the lock
                if stored is None:
                    response = method(view, request, *args, **kwargs)
                    if response.status_code < 500:
                        cache.set(
                            name,
                            {"fingerprint": fingerprint, "status": response.status_code, "data": response.data},
                            TTL_SECONDS,
                        )
                    return response
            finally:
                cache.delete(f"{name}:lock")
        if stored["fingerprint"] != fingerprint:
            raise IdempotencyKeyReused()
        return Response(stored["data"], status=stored["status"], headers={REPLAY_HEADER: "true"})

    return wrapper
