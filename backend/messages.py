"""User-facing texts in both languages of API.md: zh-Hans by default, English on request.

Kept as pairs in code rather than gettext catalogues so that a fresh machine needs no
compile step (msgfmt) and the two wordings of a message sit side by side.
"""

from django.utils import translation


class Msg:
    """A message that renders in the request's active language when turned into text."""

    __slots__ = ("en", "zh")

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en

    def __str__(self) -> str:
        lang = (translation.get_language() or "zh-hans").lower()
        return self.en if lang.startswith("en") else self.zh

    def format(self, **kwargs: object) -> "Msg":
        return Msg(self.zh.format(**kwargs), self.en.format(**kwargs))

    def __repr__(self) -> str:
        return f"Msg({self.en!r})"


# Field messages (the `fields` of an error body) several use cases share; the English stays the
# short lower-case wording clients already see.
REQUIRED = Msg("该字段是必填项。", "required")
TAKEN = Msg("已被占用。", "taken")
TOO_MANY = Msg("数量过多。", "too many")
UNUSABLE_ATTACHMENTS = Msg("不存在、不属于您或已被使用。", "unknown, not yours, or already used")
APPLICANT_REQUIRED = Msg("至少需要一名申请人。", "at least one party with role applicant")
