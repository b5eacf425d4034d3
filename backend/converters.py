"""Path converters for text segments. Django's `str` takes any character but "/", NUL and
control characters included, which the database then refuses with a 500; a segment that does
not fit these never reaches a view (the URL is simply not found)."""

from __future__ import annotations

from django.urls import register_converter


class _Converter:
    regex = ""

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TokenConverter(_Converter):
    """An identifier, code, hash or receipt: letters, digits, "_", "-", ".", ":" (signed values)."""

    regex = r"[0-9A-Za-z_.:-]{1,512}"


class CodeConverter(_Converter):
    """A code or number inside a path with an extension after it (no dots)."""

    regex = r"[0-9A-Za-z_-]{1,64}"


class FormatConverter(_Converter):
    """The extension that picks the representation (Open311: .json or .xml)."""

    regex = r"json|xml"


def register() -> None:
    register_converter(TokenConverter, "token")
    register_converter(CodeConverter, "code")
    register_converter(FormatConverter, "fmt")
