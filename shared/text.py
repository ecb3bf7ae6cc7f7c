"""Text people send the APIs, as the request schemas accept it: no NUL or other control character (a
422, never a 500 from a database that refuses NUL, nor a header or log line broken in two).

`Line` is one line (names, emails, phones, codes, short labels): no control character at all, no line
or paragraph separator. `Text` may span lines (notes, reasons, answers, descriptions): tab, line feed
and carriage return only. Neither may hold a lone surrogate (not encodable as UTF-8). Each field still
says its own `max_length`; `Tree` bounds every string inside free-form JSON (`details`, translations).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
TREE_STRING_LENGTH = 5_000  # any one string inside free-form JSON
TREE_DEPTH = 6


def one_line(value: object) -> object:
    """`value` unless it is a string holding a control character, a line break or a lone surrogate."""
    found = _NOT_IN_A_LINE.search(value) if isinstance(value, str) else None
    if found:
        raise ValueError(f"must be one line without control characters (found U+{ord(found.group()):04X})")
    return value


def multi_line(value: object) -> object:
    """`value` unless it is a string holding a control character other than tab and line breaks, or a lone
    surrogate."""
    found = _NOT_IN_TEXT.search(value) if isinstance(value, str) else None
    if found:
        raise ValueError(f"must not contain control characters (found U+{ord(found.group()):04X})")
    return value


def tree(value: Any, depth: int = 0) -> Any:
    """Free-form JSON whose keys are single lines and whose strings are text, each bounded in length."""
    if depth > TREE_DEPTH:
        raise ValueError(f"must not nest deeper than {TREE_DEPTH} levels")
    if isinstance(value, str):
        if len(value) > TREE_STRING_LENGTH:
            raise ValueError(f"must hold no string longer than {TREE_STRING_LENGTH} characters")
        return multi_line(value)
    if isinstance(value, dict):
        for key, item in value.items():
            one_line(str(key))
            tree(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            tree(item, depth + 1)
    return value


# Checked before the string's own constraints, so its min_length, max_length and pattern keep pydantic's
# messages and JSON schema: `Annotated[str, StringConstraints(max_length=64), ONE_LINE]` for a bounded
# alias (optional fields too), or `Line` with `Field(max_length=...)` on a required one.
ONE_LINE = BeforeValidator(one_line)
MULTI_LINE = BeforeValidator(multi_line)
Line = Annotated[str, ONE_LINE]
Text = Annotated[str, MULTI_LINE]
Tree = Annotated[Any, AfterValidator(tree)]
