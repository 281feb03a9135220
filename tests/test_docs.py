"""The documentation holds together: relative links and #anchors resolve, every command shown in
a shell block parses with the real command line, the README stays a front door, and the docs
say what is true now rather than narrate their history."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from google.protobuf import json_format

from wsd_service._proto.wsd.v1 import wsd_service_pb2
from wsd_service.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = [README, ROOT / "BENCHMARKS.md", *sorted((ROOT / "docs").glob("*.md"))]
FRONT_DOOR = [README, *sorted((ROOT / "docs").glob("*.md"))]  # their commands are checked
SHELL_BLOCKS = {"sh", "bash", "shell", "console"}

FENCE = re.compile(r"^(```+|~~~+)\s*([\w-]*)")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
INLINE_CODE = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Line:
    path: Path
    number: int
    text: str
    block: str | None  # the fenced block's language ("" if none given); None: prose


def _lines(path: Path) -> list[Line]:
    lines: list[Line] = []
    fence: str | None = None
    language = ""
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        opening = FENCE.match(text.strip())
        if fence is None and opening:
            fence, language = opening.group(1), opening.group(2)
            continue
        if fence is not None and text.strip().startswith(fence):
            fence = None
            continue
        lines.append(Line(path, number, text, language if fence is not None else None))
    return lines


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    anchors = set()
    for line in _lines(path):
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line.text)
        if line.block is not None or heading is None:
            continue
        slug = _slug(heading.group(1))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def _links() -> list[tuple[Line, str]]:
    found = []
    for path in DOCS:
        for line in _lines(path):
            if line.block is None:
                text = INLINE_CODE.sub("", line.text)
                found += [(line, target) for target in LINK.findall(text)]
    return found


def test_every_relative_link_and_anchor_resolves() -> None:
    problems, checked = [], 0
    for line, target in _links():
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        checked += 1
        where = f"{line.path.relative_to(ROOT)}:{line.number}: {target}"
        file_part, _, anchor = target.partition("#")
        destination = (line.path.parent / file_part).resolve() if file_part else line.path
        if not destination.exists():
            problems.append(f"{where}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in _anchors(destination):
            problems.append(f"{where}: no heading with that anchor in {destination.name}")
        elif anchor and destination.suffix != ".md":
            problems.append(f"{where}: an anchor into a file that is not Markdown")
    assert checked > 20  # the docs link to each other
    assert not problems, "\n".join(problems)


def test_the_slug_of_a_heading_is_githubs() -> None:
    assert _slug("The data: SemCor and the test sets") == "the-data-semcor-and-the-test-sets"
    assert _slug("Big builds: Ray") == "big-builds-ray"
    assert _slug("`--corpus` and PREFIX") == "--corpus-and-prefix"
    assert _slug("Layers, scoring weights and ablations") == "layers-scoring-weights-and-ablations"


def test_the_readme_is_short_and_the_docs_name_paths_users_have() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 200
    for page in FRONT_DOOR:  # paths only this team has
        assert "../shared" not in page.read_text(encoding="utf-8"), page
        assert "/work/" not in page.read_text(encoding="utf-8"), page


def test_the_docs_narrate_no_history() -> None:
    history = re.compile(r"issue #?[0-9]+|session", re.I)
    found = [
        f"{line.path.relative_to(ROOT)}:{line.number}: {line.text.strip()}"
        for path in DOCS
        for line in _lines(path)
        if history.search(line.text)
    ]
    assert not found, "\n".join(found)


def test_the_code_narrates_no_history() -> None:
    # "session" stays legal in code: ONNX Runtime's InferenceSession, WordNet's noun.possession.
    history = re.compile(r"issue #?[0-9]+|this session|before/after", re.I)
    found = [
        f"{path.relative_to(ROOT)}:{number}: {text.strip()}"
        for path in sorted((ROOT / "wsd_service").rglob("*.py"))
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if history.search(text)
    ]
    assert not found, "\n".join(found)


# --- commands in shell blocks -------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    where: str
    words: tuple[str, ...]  # the shell words of one command line, continuations joined


def _shell_commands(path: Path) -> list[Command]:
    """Each command line of the file's shell blocks: `\\` continuations joined, `$ ` prompts
    dropped (in a console block only prompted lines are commands), comments removed."""
    commands: list[Command] = []
    pending, start, language = "", 0, ""
    for line in _lines(path):
        if line.block not in SHELL_BLOCKS:
            continue
        text = line.text.rstrip()
        if not pending:
            start, language = line.number, line.block
            stripped = text.lstrip()
            if stripped.startswith("$ "):
                text = stripped[2:]
            elif language == "console":
                continue  # output
        pending += text
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        lexer = shlex.shlex(pending, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = tuple(lexer)
        if words:
            commands.append(Command(f"{path.relative_to(ROOT)}:{start}", words))
        pending = ""
    assert not pending, f"{path}: a shell block ends inside a continued line"
    return commands


OPERATORS = re.compile(r"^[;&|<>()]+$")


def _cli_arguments(command: Command) -> list[str] | None:
    """The arguments a `wsd-service ...` or `./wsd.sh serve ...` command gives the CLI parser."""
    words = list(command.words)
    for i, word in enumerate(words):
        if word == "wsd-service" or word.endswith("/wsd-service"):
            rest = words[i + 1 :]
            break
        if Path(word).name == "wsd.sh" and words[i + 1 : i + 2] == ["serve"]:
            rest = words[i + 1 :]  # serve's own arguments go to `wsd-service serve`
            break
    else:
        return None
    end = next((j for j, word in enumerate(rest) if OPERATORS.match(word)), len(rest))
    return rest[:end]


def _cli_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in FRONT_DOOR:
        for command in _shell_commands(path):
            arguments = _cli_arguments(command)
            if arguments is not None:
                found.append((command.where, arguments))
    return found


CLI_COMMANDS = _cli_commands()


def test_the_docs_show_commands() -> None:
    assert len(CLI_COMMANDS) > 20
    shown = {arguments[0] for _, arguments in CLI_COMMANDS if arguments}
    assert {"serve", "query", "build-index", "evaluate", "crossval", "nearest", "annotate", "plot"} <= shown


@pytest.mark.parametrize(("where", "arguments"), CLI_COMMANDS, ids=[where for where, _ in CLI_COMMANDS])
def test_each_command_in_the_docs_parses(where: str, arguments: list[str]) -> None:
    placeholder = next((a for a in arguments if "$" in a or re.search(r"<[^>]+>", a)), None)
    if placeholder is not None:
        pytest.skip(f"{where}: {placeholder!r} is a placeholder, not an argument")
    try:
        build_parser().parse_args(arguments)
    except SystemExit as exit_:
        pytest.fail(f"{where}: `wsd-service {shlex.join(arguments)}` does not parse (exit {exit_.code})")


def test_commands_outside_shell_blocks_are_only_synopses() -> None:
    """A command a reader may copy sits in a checked shell block, not in prose or an indented
    block; a ```text block holds a synopsis with [optional] parts."""
    command = re.compile(r"^\s*(\$ )?(\.venv/bin/wsd-service|wsd-service|\./wsd\.sh) ")
    loose = [
        f"{line.path.relative_to(ROOT)}:{line.number}: {line.text.strip()}"
        for path in FRONT_DOOR
        for line in _lines(path)
        if line.block not in SHELL_BLOCKS and line.block != "text" and command.match(line.text)
    ]
    assert not loose, "\n".join(loose)


def test_grpcurl_examples_send_valid_requests() -> None:
    service = wsd_service_pb2.DESCRIPTOR.services_by_name["WsdService"]
    checked = 0
    for path in FRONT_DOOR:
        for command in _shell_commands(path):
            words = list(command.words)
            if not words or words[0] != "grpcurl" or "-d" not in words:
                continue
            method = words[-1].rsplit("/", 1)[-1]
            request = getattr(wsd_service_pb2, service.methods_by_name[method].input_type.name)()
            json_format.Parse(words[words.index("-d") + 1], request)  # raises on an unknown field
            assert json.loads(words[words.index("-d") + 1]), command.where
            checked += 1
    assert checked >= 1
