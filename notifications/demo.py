"""Demo group chats for `seed_demo`: one WeCom robot per street and per community. Their
webhooks point at a closed port on 127.0.0.1 (no real chat is reached; sends fail and end
`dead`, which the deliveries page shows). Idempotent: existing chats are kept."""

from __future__ import annotations

from typing import Any

from .models import GroupChat, Provider

PLACEHOLDER = "http://127.0.0.1:9/cgi-bin/webhook/send?key=demo-{code}"


def seed(*, shape: dict[str, list[Any]], stdout: Any) -> None:
    units = [*shape.get("street", []), *shape.get("community", [])]
    chats = [
        GroupChat(
            grid=unit,
            grid_path=unit.path,
            name=f"{unit.name}居民群",
            provider=Provider.WECOM,
            webhook_url=PLACEHOLDER.format(code=unit.code),
            webhook_digest=GroupChat.digest_of(PLACEHOLDER.format(code=unit.code)),
        )
        for unit in units
    ]
    existing = set(
        GroupChat.objects.filter(webhook_digest__in=[c.webhook_digest for c in chats]).values_list(
            "webhook_digest", flat=True
        )
    )
    missing = [c for c in chats if c.webhook_digest not in existing]
    GroupChat.objects.bulk_create(missing, batch_size=1000)
    stdout.write(f"group chats: {len(missing)} created, {len(chats)} wanted")
