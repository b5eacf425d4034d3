"""The JSON parser of every API view: DRF's, with a nesting limit.

Python's json module recurses once per `[`/`{`; a body of 100,000 brackets ends in
RecursionError (a 500), and even a legal depth of 900 costs a deep walk in every serializer.
No request of this API nests more than a few levels, so deeper bodies are refused with 400.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_JSON_DEPTH = 20


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """Iterative (a recursive walk would meet the same limit it checks)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON nested too deeply") from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError("JSON nested too deeply")
        return data
