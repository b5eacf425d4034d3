"""Message templates per event type, in Chinese. Each domain app owns its events and registers
their templates from its own `notifications.py` (imported by its AppConfig.ready)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EventTemplate:
    """How one event reads on every channel; `str.format` placeholders come from `context`.

    title/body: the inbox row and the group-chat message (body may use markdown lines).
    subscribe: which WeChat subscribe template (a key of settings.WECHAT_SUBSCRIBE_TEMPLATES)
      carries it to a resident's phone, and the template's data fields -> format strings
      (WeChat cuts `thing` values at 20 characters; the sender trims to each type's limit).
    page: the mini-program page the message opens, formatted with context too.
    """

    title: str
    body: str
    subscribe: str | None = None
    subscribe_fields: dict[str, str] = field(default_factory=dict)
    page: str = ""


_REGISTRY: dict[str, EventTemplate] = {}


def register_templates(templates: dict[str, EventTemplate]) -> None:
    for event, template in templates.items():
        existing = _REGISTRY.get(event)
        if existing is not None and existing != template:
            raise ValueError(f"event {event!r} is registered twice with different templates")
        _REGISTRY[event] = template


def template_for(event: str) -> EventTemplate:
    try:
        return _REGISTRY[event]
    except KeyError:
        raise KeyError(
            f"no notification template for event {event!r}; register it in the app's notifications.py"
        ) from None


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(text: str, context: dict[str, Any]) -> str:
    """Format with the context; a missing key renders empty rather than failing a write."""
    return text.format_map(_Blank({k: ("" if v is None else v) for k, v in context.items()}))
