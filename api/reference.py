"""The event reference of docs/events.md, written from the domain's event declarations:
`python -m api.reference` rewrites the part of docs/events.md between its markers, and a
test fails when the file and the declarations differ."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

from domain import fields as f
from domain.opportunity import EVENTS
from domain.schema import Declared, own_fields

BEGIN = "<!-- the event types: written by `python -m api.reference` -->"
END = "<!-- end of the event types -->"
DOC = Path(__file__).resolve().parent.parent / "docs" / "events.md"


def rule(spec: f.Spec) -> str:
    """What a field accepts, in words."""
    if isinstance(spec, f.Choice):
        return " \\| ".join(
            f"`{o}` (default)" if o == spec.default else f"`{o}`" for o in spec.options
        )
    if isinstance(spec, f.Currency):
        return "ISO 4217 code" + (f", default `{spec.default}`" if spec.default else "")
    if isinstance(spec, f.Text):
        return f"text, at most {spec.max_length} characters"
    if isinstance(spec, f.Amount):
        return "a number ≥ 0"
    if isinstance(spec, f.Names):
        return f"a list of names (at most {spec.max_items})"
    if isinstance(spec, f.Instant):
        return "RFC 3339 date-time with an offset"
    if isinstance(spec, f.Day):
        return "a date, `YYYY-MM-DD`"
    if isinstance(spec, f.Flag):
        return "`true` or `false`"
    if isinstance(spec, f.Count):
        return f"a whole number ≥ {spec.minimum}"
    return type(spec).__name__


def row(declared: Declared) -> str:
    spec = declared.spec
    need = "set by the server" if spec.assigned else "required" if spec.required else "optional"
    words = rule(spec)
    if spec.description:
        words = f"{spec.description.rstrip('.')}; {words}"
    if spec.personal:
        words += "; personal data"
    return f"| `{declared.name}` | {need} | {words} |"


def section(name: str, event_class: type) -> str:
    lines = [f"### `{name}`", "", " ".join(inspect.cleandoc(event_class.__doc__ or "").split())]
    declared = own_fields(event_class)
    if declared:
        lines += ["", "| field | | rule |", "|---|---|---|", *(row(d) for d in declared)]
    else:
        lines += ["", "No fields besides the common ones."]
    return "\n".join(lines)


def events_reference() -> str:
    return "\n\n".join(section(name, cls) for name, cls in EVENTS.items())


def rewritten(text: str) -> str:
    """`text` (docs/events.md) with the part between the markers written anew."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n\n{events_reference()}\n\n{END}{tail}"


def main() -> None:
    DOC.write_text(rewritten(DOC.read_text()))
    sys.stdout.write(f"wrote the event reference into {DOC}\n")


if __name__ == "__main__":
    main()
