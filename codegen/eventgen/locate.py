"""Finds the source line of a declaration, for error messages.

The FlatBuffers binary schema records which file declared each type but not
the line, so errors found after parsing are located by searching the
declaring file's text. This only *locates* names the real parser already
accepted; it never parses the schema.
"""
import re
from functools import lru_cache


@lru_cache(maxsize=None)
def _lines(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except OSError:
        return []


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def declaration(path: str, kind: str, name: str) -> int:
    """Line (1-based) of `table|struct|enum|union <name>`, or 0."""
    pat = re.compile(rf"^\s*{kind}\s+{re.escape(_short(name))}\b")
    for i, line in enumerate(_lines(path), 1):
        if pat.search(line):
            return i
    return 0


def field(path: str, kind: str, owner: str, field_name: str) -> int:
    """Line of `field_name:` inside the declaration of `owner`, or the owner's line."""
    start = declaration(path, kind, owner)
    if not start:
        return 0
    pat = re.compile(rf"(^|[{{;\s]){re.escape(field_name)}\s*:")
    lines = _lines(path)
    for i in range(start - 1, len(lines)):
        text = lines[i].split("//", 1)[0]
        if i == start - 1:
            text = text.split("{", 1)[1] if "{" in text else ""
        if pat.search(text):
            return i + 1
        if "}" in text:
            break
    return start


def text_in(path: str, start: int, needle: str) -> int:
    """First line at or after `start` containing `needle`, else `start`."""
    lines = _lines(path)
    for i in range(max(start, 1) - 1, len(lines)):
        if needle in lines[i]:
            return i + 1
    return start
