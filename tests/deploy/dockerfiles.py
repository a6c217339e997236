"""Reading docker/Dockerfile and docker/compose.yaml the way Docker would, enough to check
them against the code: instructions with their continuation lines, exec-form commands,
compose services with their YAML anchors merged, and `${VAR:-default}` interpolation."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import yaml

from api.cli import cli

DOCKER = Path(__file__).resolve().parents[2] / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "compose.yaml"
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::?[-?](?P<default>[^}]*))?\}")
URL = re.compile(r"https?://[^/'\"\s]+:(?P<port>\d+)(?P<path>/[^'\"\s?]*)")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def dockerfile_instructions(text: str) -> list[Instruction]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    found = []
    for line in lines:
        keyword, _, arguments = line.partition(" ")
        found.append(Instruction(keyword.upper(), arguments.strip()))
    return found


def exec_form(arguments: str) -> list[str]:
    """The JSON array of an exec-form CMD (the shell form is not used here)."""
    parsed = json.loads(arguments)
    assert isinstance(parsed, list), arguments
    return [str(part) for part in parsed]


def healthcheck_command(arguments: str) -> list[str]:
    """HEALTHCHECK [--options] CMD [...] -> the command array."""
    _options, _, command = arguments.partition("CMD ")
    return exec_form(command)


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` against `environment`."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group("name")
        return environment.get(name, match.group("default") or "")

    return _VARIABLE.sub(substitute, value)


def command_words(command: list[str] | str) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command)


def smallwins_command(words: list[str]) -> Any:
    """The typer command `smallwins <sub> ...` runs (typer's own click command object); fails
    when the command or one of its options is unknown, or a value does not parse."""
    assert words[0] == "smallwins", words
    command: Any = typer.main.get_command(cli)
    rest = words[1:]
    while hasattr(command, "commands"):  # a group: descend by the next word
        assert rest, f"{' '.join(words)}: names a group, not a command"
        name, rest = rest[0], rest[1:]
        assert name in command.commands, f"smallwins has no command {name!r}: {words}"
        command = command.commands[name]
    known = {option for param in command.params for option in getattr(param, "opts", [])}
    given = [word.split("=")[0] for word in rest if word.startswith("--")]
    unknown = [option for option in given if option not in known]
    assert not unknown, f"{' '.join(words)}: unknown options {unknown}"
    command.make_context(command.name, list(rest))  # the values parse
    return command


def option_value(words: list[str], option: str) -> str | None:
    for index, word in enumerate(words):
        if word == option and index + 1 < len(words):
            return words[index + 1]
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
    return None
