"""Outside channels behind one interface (`base.Provider.send(Outbound)`)."""

from .base import Outbound, Provider, SendError
from .dingtalk import DingTalkRobot
from .feishu import FeishuRobot
from .subscribe import SubscribeMessage
from .wecom import WeComRobot

PROVIDERS: dict[str, Provider] = {p.key: p for p in (WeComRobot(), DingTalkRobot(), FeishuRobot(), SubscribeMessage())}


def provider_for(key: str) -> Provider:
    return PROVIDERS[key]


__all__ = ["PROVIDERS", "Outbound", "Provider", "SendError", "provider_for"]
