"""Request body parsers of the API: DRF's, plus one rule for every text they produce.

PostgreSQL text cannot hold NUL (U+0000), and a lone surrogate (U+D800..U+DFFF, which JSON's `\\ud800`
escape can produce) cannot be encoded as UTF-8. DRF's `CharField` refuses both, but a slug looked up in
the database (`SlugRelatedField`), a choice or a key read straight from `request.data` reached the
database driver with them: a 500. So the parsers refuse such text anywhere in a body, keys included,
with a 400 `validation_error` naming where it was (`customer.name`, `items.0.sku`). Query strings and
paths: `api.middleware.ApiTextInputMiddleware`.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from rest_framework import parsers
from rest_framework.exceptions import ValidationError
from rest_framework.validators import ProhibitSurrogateCharactersValidator

NON_FIELD = "non_field_errors"


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored (a NUL or a lone surrogate), or None when it can."""
    if "\x00" in value:
        return str(ProhibitNullCharactersValidator.message)
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            code_point = ord(value[exc.start])
            return str(ProhibitSurrogateCharactersValidator.message).format(code_point=code_point)
    return None


def refuse_unstorable_text(data: Any) -> None:
    """Raise a 400 `validation_error` if any text in `data` (nested dicts and lists, keys included) holds a
    NUL or a lone surrogate; `details` maps the dotted path of each such place to the reason."""
    found: dict[str, list[str]] = {}
    pending: list[tuple[Any, str]] = [(data, "")]  # a loop, not recursion: any depth the JSON parser took
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                found.setdefault(path or NON_FIELD, []).append(problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(str(key))
                if problem:
                    found.setdefault(path or NON_FIELD, []).append(problem)
                else:
                    pending.append((item, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, list):
            pending.extend(
                (item, f"{path}.{index}" if path else str(index)) for index, item in enumerate(value)
            )
    if found:
        raise ValidationError({where: sorted(set(reasons)) for where, reasons in sorted(found.items())})


# In valid UTF-8 JSON a NUL or a surrogate can only be written as a `\u` escape: a body without one needs no
# walk (the inventory sync's 10,000 rows are the common case).
_MAYBE_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        if _MAYBE_UNSTORABLE.search(raw) or str(encoding).lower().replace("_", "-") not in ("utf-8", "utf8"):
            refuse_unstorable_text(data)
        return data


def _refuse_in_form(data: Any) -> None:
    """A form's fields (a QueryDict; a field may repeat): the reasons go under the field's name."""
    found: dict[str, list[str]] = {}
    for key in data:
        for value in [key, *data.getlist(key)]:
            problem = text_problem(value) if isinstance(value, str) else None
            if problem:
                found.setdefault(key, []).append(problem)
                break
    if found:
        raise ValidationError(found)


class FormParser(parsers.FormParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_in_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart forms: the text fields are checked; uploaded files are the views' business."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        _refuse_in_form(parsed.data)
        return parsed
