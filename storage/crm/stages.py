"""Which rung of the ladder a CRM's stage stands for: a rung (`meeting` ...
`verbal_commitment`), `none` (no small win), or a close (`won`, `lost`). Each CRM's standard
stages map by default; a `--stages` TOML file (`"Stage Name" = "rung"`) adds or overrides;
a stage the export itself says is closed (Salesforce's IsClosed/IsWon) maps to that close
when nothing else names it. Stage names match case-insensitively, spaces trimmed."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from domain.ladder import RUNGS
from domain.names import name_key
from storage.crm.values import BadFile

NONE, WON, LOST = "none", "won", "lost"
TARGETS: tuple[str, ...] = (*RUNGS, NONE, WON, LOST)
ALIASES = {"closed_won": WON, "closed_lost": LOST}  # also accepted in a --stages file

SALESFORCE_STAGES = {
    "Prospecting": "meeting",
    "Qualification": "meeting",
    "Needs Analysis": "customer_data",
    "Value Proposition": "decision_makers",
    "Id. Decision Makers": "decision_makers",
    "Perception Analysis": "decision_makers",
    "Proposal/Price Quote": "demo",
    "Negotiation/Review": "verbal_commitment",
    "Closed Won": WON,
    "Closed Lost": LOST,
}
HUBSPOT_STAGES = {
    "appointmentscheduled": "meeting",
    "qualifiedtobuy": "customer_data",
    "presentationscheduled": "demo",
    "decisionmakerboughtin": "decision_makers",
    "contractsent": "verbal_commitment",
    "closedwon": WON,
    "closedlost": LOST,
}
DEFAULTS = {"salesforce": SALESFORCE_STAGES, "hubspot": HUBSPOT_STAGES}


class StageMap:
    """Stage name -> target, by precedence: the --stages file, the CRM's standard stages,
    the closes the export declares."""

    def __init__(
        self,
        defaults: Mapping[str, str],
        overrides: Mapping[str, str] | None = None,
        closes: Mapping[str, str] | None = None,
    ) -> None:
        self._targets: dict[str, str] = {}
        for layer in (closes or {}, defaults, overrides or {}):
            self._targets.update((name_key(stage), target) for stage, target in layer.items())

    def target(self, stage: str) -> str | None:
        return self._targets.get(name_key(stage))

    def unmapped(self, stages: Iterable[str]) -> list[str]:
        """The stages that map nowhere, each once (first spelling), sorted."""
        seen: dict[str, str] = {}
        for stage in stages:
            if self.target(stage) is None:
                seen.setdefault(name_key(stage), stage)
        return sorted(seen.values(), key=str.casefold)


def load_stages(path: Path) -> dict[str, str]:
    """A --stages file: `"Stage Name" = "rung"` lines, rung one of TARGETS (or closed_won,
    closed_lost)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadFile(path.name, f"cannot be read ({error})") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise BadFile(path.name, f"not valid TOML ({error})") from None
    stages: dict[str, str] = {}
    for stage, value in table.items():
        line = _line_of(text, stage)
        if not isinstance(value, str):
            msg = f'stage {stage!r}: expected a string ("{stage}" = "meeting")'
            raise BadFile(path.name, msg, line)
        target = ALIASES.get(value.strip().lower(), value.strip().lower())
        if target not in TARGETS:
            msg = f"stage {stage!r}: {value!r} is not one of {', '.join(TARGETS)}"
            raise BadFile(path.name, msg, line)
        if not stage.strip():
            raise BadFile(path.name, "an empty stage name", line)
        stages[stage] = target
    return stages


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if key in line:
            return number
    return None
