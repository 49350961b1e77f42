"""The one rule for text people type: no control characters, no bidirectional overrides.

A NUL, an escape sequence or a right-to-left override (U+202E turns ``exe.txt`` into what reads
as ``txt.exe``) in a name or title is stored and then shown to others: in the console, in
webhooks, in exports. Single-line text (names, titles, venues, ids…) refuses every control
character — C0 (line breaks and tabs included), DEL, C1 — the line and paragraph separators
U+2028/U+2029, and the bidirectional embeddings, overrides and isolates U+202A–U+202E,
U+2066–U+2069. Multi-line text (descriptions, notes, minutes…) may keep ``\\n``, ``\\r``,
``\\t`` and the line separators, and refuses the rest alike (NUL and the overrides included).

Every service applies it to every string of every mutation's input (see
:mod:`services.common.graphql.text_inputs`); an input field is multi-line when declared with
``metadata=MULTILINE``.
"""

from __future__ import annotations

import unicodedata

from services.common.domain import Invalid

__all__ = ["BIDI_CONTROLS", "INVALID_CHARACTERS", "MULTILINE", "check_text", "text_problem"]

INVALID_CHARACTERS = "INVALID_CHARACTERS"
MULTILINE: dict[str, bool] = {"multiline": True}
BIDI_CONTROLS = frozenset(chr(code) for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
LINE_SEPARATORS = frozenset("\u2028\u2029")
MULTILINE_ALLOWED = frozenset("\n\r\t\u2028\u2029")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is refused (naming the first offending character), or None if it is fine."""
    for index, character in enumerate(value):
        if multiline and character in MULTILINE_ALLOWED:
            continue
        if character in BIDI_CONTROLS:
            return f"a bidirectional control character (U+{ord(character):04X}) at position {index} is not allowed"
        if character in LINE_SEPARATORS or unicodedata.category(character) == "Cc":
            kind = "a control character" if multiline or character not in MULTILINE_ALLOWED else "a line break or tab"
            return f"{kind} (U+{ord(character):04X}) at position {index} is not allowed here"
    return None


def check_text(value: str, *, field: str, multiline: bool = False) -> str:
    """``value`` unchanged, or :class:`Invalid` (code ``INVALID_CHARACTERS``) naming ``field``."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise Invalid(problem, field=field, code=INVALID_CHARACTERS)
    return value
