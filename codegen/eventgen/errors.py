"""Schema errors, reported gcc-style as `path:line: error: what` + a hint."""
from dataclasses import dataclass


@dataclass(frozen=True)
class SchemaError:
    path: str
    line: int  # 0 when no line is known
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: error: {self.message}"
        if self.hint:
            text += "\n    " + self.hint
        return text


class SchemaErrors(Exception):
    """Raised with every error found, so one build shows all of them."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
