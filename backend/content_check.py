"""Content safety: the one check every text a resident writes goes through, and the one way a
photo is sent for checking.

Texts (`check_text`): the local word list always (settings.CONTENT_WORDS_FILE, normalised
matching), then WeChat `msgSecCheck` v2 when WeChat is configured and the writer has an openid.

- `risky` (from either) raises `ContentRejected`: 400 `content_rejected`, naming the label's
  meaning; nothing is stored.
- `review` (from either) answers HELD: the caller stores the text held for moderation (only its
  author sees it, marked held) and it appears in the moderation queue.
- WeChat unreachable (no answer, 5xx, an errcode, an answer without a verdict) answers HELD too:
  the text is neither lost nor published until staff (or a later re-check) release it.

Photos (`request_media_check`): WeChat `mediaCheckAsync` v2 returns a `trace_id`; the verdict
arrives later at our message-push endpoint (backend.wechat_push), which hands it to the handlers
apps register with `on_media_result`. A photo stays hidden until its verdict is `pass`; what
`review` and `risky` do is the app's (consultations/photos.py: queued for staff; deleted).

Scenes (WeChat's): 1 profile, 2 comment, 3 forum (a topic), 4 social log.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from . import wechat
from .errors import InvalidInput
from .http import OutboundError
from .messages import Msg

log = logging.getLogger(__name__)


class Scene(IntEnum):
    PROFILE = 1
    COMMENT = 2  # a post or a reply, an objection
    FORUM = 3  # a topic (议题)
    SOCIAL_LOG = 4


# WeChat's msgSecCheck / mediaCheckAsync labels.
LABELS: dict[int, Msg] = {
    100: Msg("正常", "normal"),
    10001: Msg("广告", "advertising"),
    20001: Msg("时政", "politics"),
    20002: Msg("色情", "pornography"),
    20003: Msg("辱骂", "abuse"),
    20006: Msg("违法犯罪", "crime"),
    20008: Msg("欺诈", "fraud"),
    20012: Msg("低俗", "vulgarity"),
    20013: Msg("版权", "copyright"),
    21000: Msg("其他", "other"),
}


def label_meaning(label: int | None) -> Msg:
    return LABELS.get(int(label or 21000), LABELS[21000])


class ContentRejected(InvalidInput):
    code = "content_rejected"

    def __init__(self, *, label: int, field: str = "body") -> None:
        meaning = label_meaning(label)
        message = Msg(
            f"内容含有{meaning.zh}信息，无法发布，请修改后再试。",
            f"The text was refused as {meaning.en}; please change it and try again.",
        )
        super().__init__(message, fields={field: [str(message)], "label": [str(label)]})
        self.label = label


PASS = "pass"
HELD = "held"


@dataclass(frozen=True)
class TextVerdict:
    """What to do with a text that was not refused: publish (`pass`) or hold (`held`).

    `reason` says why it is held: "review" (WeChat or the word list asks a person to look) or
    "unreachable" (WeChat gave no verdict); `label` is the label that held it, if any."""

    outcome: str
    reason: str = ""
    label: int | None = None
    source: str = ""  # "words" | "wechat" | ""

    @property
    def held(self) -> bool:
        return self.outcome == HELD


PASSED = TextVerdict(PASS)

# --- the local word list -----------------------------------------------------------------

# Letters and digits of any script survive; spaces, punctuation, symbols, marks and invisible
# format characters (zero-width joiners) are dropped, so "赌 博" and "赌*博" match "赌博".
_DROPPED = {"Z", "P", "S", "C", "M"}


def normalise(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] not in _DROPPED)


@dataclass(frozen=True)
class WordList:
    pattern: re.Pattern[str] | None
    entries: dict[str, tuple[int, str]]  # normalised word -> (label, "risky" | "review")

    def find(self, text: str) -> tuple[int, str] | None:
        """The worst entry the text contains: a risky one before a review one."""
        if self.pattern is None:
            return None
        found = [self.entries[m] for m in set(self.pattern.findall(normalise(text)))]
        if not found:
            return None
        return min(found, key=lambda entry: entry[1] != "risky")


def parse_words(lines: list[str]) -> WordList:
    entries: dict[str, tuple[int, str]] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in {"risky", "review"}:
            raise ValueError(f"content word list line {number}: expected '<label> <risky|review> <word>'")
        word = normalise(parts[2])
        if word:
            entries[word] = (int(parts[0]), parts[1])
    if not entries:
        return WordList(None, {})
    # Longest first: an alternation takes the first alternative that matches at a position.
    alternatives = sorted(entries, key=len, reverse=True)
    return WordList(re.compile("|".join(map(re.escape, alternatives))), entries)


@lru_cache(maxsize=4)
def _load_words(path: str) -> WordList:
    return parse_words(Path(path).read_text(encoding="utf-8").splitlines())


def word_list() -> WordList:
    return _load_words(str(settings.CONTENT_WORDS_FILE))


# --- texts -------------------------------------------------------------------------------


def check_text(*, text: str, scene: Scene, openid: str = "", field: str = "body") -> TextVerdict:
    """The verdict on a resident's text, or ContentRejected (400) when it must not be stored.

    `openid`: the writer's (WeChat checks a text in the context of its writer; staff-side
    accounts without one get the word list only). `field`: the input field an error names."""
    return check_texts(texts={field: text}, scene=scene, openid=openid)


def check_texts(*, texts: dict[str, str], scene: Scene, openid: str = "") -> TextVerdict:
    """Several fields of one write (a topic's title and body) as one text; an error names the
    field that tripped the word list, or the first one for WeChat's verdict."""
    held: TextVerdict | None = None
    for name, value in texts.items():
        found = word_list().find(value)
        if found is not None and found[1] == "risky":
            raise ContentRejected(label=found[0], field=name)
        if found is not None and held is None:
            held = TextVerdict(HELD, reason="review", label=found[0], source="words")
    joined = "\n".join(value for value in texts.values() if value)
    remote = _wechat_verdict(text=joined, scene=scene, openid=openid)
    if remote is not None and remote.outcome == "risky":
        raise ContentRejected(label=remote.label or 21000, field=next(iter(texts), "body"))
    if remote is not None and remote.held:
        return remote
    return held or PASSED


def _wechat_verdict(*, text: str, scene: Scene, openid: str) -> TextVerdict | None:
    """WeChat's verdict (outcome "risky" for a refusal), or None when WeChat is not asked."""
    if not (wechat.is_configured() and openid):
        return None
    try:
        result = wechat.msg_sec_check(
            content=text, openid=openid, scene=int(scene), timeout=settings.CONTENT_CHECK_TIMEOUT_SECONDS
        )
    except (OutboundError, wechat.WeChatError) as exc:
        # Never published without a verdict, never lost: held until someone looks.
        log.warning("msgSecCheck gave no verdict (%s); holding the text", type(exc).__name__)
        return TextVerdict(HELD, reason="unreachable", source="wechat")
    if result["suggest"] == "risky":
        return TextVerdict("risky", label=result["label"], source="wechat")
    if result["suggest"] == "review":
        return TextVerdict(HELD, reason="review", label=result["label"], source="wechat")
    return TextVerdict(PASS, label=result["label"], source="wechat")


# --- photos ------------------------------------------------------------------------------

MEDIA_PENDING = "pending"
MEDIA_PASSED = "pass"


@dataclass(frozen=True)
class MediaRequest:
    """What became of asking for a photo's check: `status` to store on the photo now, and the
    `trace_id` its verdict will carry (empty when WeChat was not asked or did not answer;
    a pending photo without one is asked again by its app's periodic task)."""

    status: str
    trace_id: str = ""


def request_media_check(*, media_url: str, openid: str = "", scene: Scene = Scene.COMMENT) -> MediaRequest:
    """Send a stored photo (an absolute URL WeChat can fetch) for checking.

    Without WeChat configured there is nobody to ask: the photo passes (a deployment that wants
    photos checked configures WeChat). WeChat unreachable: pending, no trace_id."""
    if not wechat.is_configured():
        return MediaRequest(MEDIA_PASSED)
    try:
        trace_id = wechat.media_check_async(
            media_url=media_url, openid=openid, scene=int(scene), timeout=settings.CONTENT_CHECK_TIMEOUT_SECONDS
        )
    except (OutboundError, wechat.WeChatError) as exc:
        log.warning("mediaCheckAsync gave no trace_id (%s); the photo stays pending", type(exc).__name__)
        return MediaRequest(MEDIA_PENDING)
    return MediaRequest(MEDIA_PENDING, trace_id)


# Handlers of pushed photo verdicts: fn(*, trace_id, suggest, label) -> how many photos it updated.
MediaHandler = Callable[..., int]
_MEDIA_HANDLERS: list[MediaHandler] = []


def on_media_result(handler: MediaHandler) -> None:
    """Register an app's handler of mediaCheckAsync verdicts (from its AppConfig.ready)."""
    if handler not in _MEDIA_HANDLERS:
        _MEDIA_HANDLERS.append(handler)


def dispatch_media_result(*, trace_id: str, suggest: str, label: int) -> int:
    return sum(handler(trace_id=trace_id, suggest=suggest, label=label) for handler in list(_MEDIA_HANDLERS))
