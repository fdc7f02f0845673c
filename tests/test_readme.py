"""Every `$ ` example of README.md runs, in order, in one fresh folder, and prints what the README
shows. The README cannot drift from the program.

How the README is read:
- An example is a line starting with ``$ `` inside a fenced code block; the lines after it, up
  to the next ``$ `` or the end of the block, are its expected output (standard output and
  standard error together, as a terminal shows them; trailing spaces ignored).
- All examples run in one bash session, in README order, starting in an empty folder: ``cd``
  and ``$?`` carry over from one example to the next, as when a reader types them.
- A block preceded by ``<!-- readme-test: elided -->`` shows only the start of some outputs: an
  output that ends with a line ``…`` is compared up to that line. A ``…`` line anywhere else is
  an error, so an unmarked block is always compared whole.
- A block preceded by ``<!-- readme-test: output-not-shown -->`` is run (its commands must
  succeed) but its output is not compared.

The outputs are reproducible because everything they depend on is fixed here: the day
(``GDCOMPLY_TODAY``; the examples give ``--as-of``/``--on``/``--since`` besides), the terminal
width (``COLUMNS``), an empty home and data folder, and the folder the examples run in (every
path the examples print is relative to it).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
TODAY = "2026-11-20"  # the README's story happens in November 2026
COLUMNS = "120"
ELIDED = "<!-- readme-test: elided -->"
NOT_SHOWN = "<!-- readme-test: output-not-shown -->"
_MARKERS = (ELIDED, NOT_SHOWN)
_SEPARATOR = "\x1eREADME-EXAMPLE"


@dataclass(frozen=True)
class Example:
    line: int  # 1-based line of the "$ " line in README.md
    command: str
    expected: tuple[str, ...]
    mode: str  # "whole", "elided" or "not-shown"


def parse_readme(text: str) -> list[Example]:
    """The examples of a README, in order (see the module docstring for the rules)."""
    examples: list[Example] = []
    lines = text.splitlines()
    in_block = False
    mode = "whole"
    current: tuple[int, str] | None = None
    output: list[str] = []

    def finish() -> None:
        nonlocal current, output
        if current is not None:
            examples.append(Example(current[0], current[1], tuple(output), mode))
        current, output = None, []

    previous = ""
    for number, line in enumerate(lines, start=1):
        if line.startswith("```"):
            if in_block:
                finish()
                in_block = False
            else:
                in_block = True
                mode = {ELIDED: "elided", NOT_SHOWN: "not-shown"}.get(previous.strip(), "whole")
            continue
        if in_block:
            if line.startswith("$ "):
                finish()
                current = (number, line[2:])
            elif current is not None:
                output.append(line)
        if line.strip():
            previous = line
    return examples


def _expected_lines(example: Example) -> tuple[list[str], bool]:
    """The lines to compare, and whether they are only the start of the output."""
    lines = [line.rstrip() for line in example.expected]
    while lines and not lines[-1]:
        lines.pop()
    elided = bool(lines) and lines[-1] == "…"
    if "…" in lines[:-1] or (elided and example.mode != "elided"):
        raise AssertionError(
            f"README.md:{example.line}: a “…” line elides output only as the last line of an example, "
            f"in a block marked {ELIDED}"
        )
    return (lines[:-1] if elided else lines), elided


def _script(examples: list[Example]) -> str:
    """One bash session: each example is announced on stdout, then runs with $? of the previous one."""
    parts = [
        'gdcomply() { "$GDCOMPLY_PYTHON" -m gdcomply "$@"; }',
        "exec 2>&1",
        "__status=0",
    ]
    for index, example in enumerate(examples):
        parts.append(f"printf '\\n{_SEPARATOR} {index}\\n'")
        parts.append("(exit $__status)")
        parts.append(example.command)
        parts.append("__status=$?")
    return "\n".join(parts) + "\n"


def run_examples(examples: list[Example], folder: Path, cache: Path) -> list[str]:
    """The output of each example, run in folder."""
    home = folder.parent / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",  # stdout and stderr interleave as on a terminal
        "COLUMNS": COLUMNS,
        "GDCOMPLY_TODAY": TODAY,
        "GDCOMPLY_HOME": str(home / "gdcomply"),
        "GDCOMPLY_CACHE_DIR": str(cache),
        "GDCOMPLY_PYTHON": sys.executable,
        "TERM": "dumb",
    }
    completed = subprocess.run(
        ["bash", "--noprofile", "--norc"],
        input=_script(examples),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=folder,
        env=env,
        timeout=600,
    )
    pieces = re.split(rf"\n{_SEPARATOR} (\d+)\n", "\n" + completed.stdout)
    outputs = [""] * len(examples)
    for index_text, output in zip(pieces[1::2], pieces[2::2]):
        outputs[int(index_text)] = output
    assert len(pieces) // 2 == len(examples), f"the README session stopped early:\n{completed.stdout[-3000:]}"
    return outputs


def compare(example: Example, output: str) -> str | None:
    """Why the output differs from the README, or None."""
    if example.mode == "not-shown":
        return None
    try:
        expected, elided = _expected_lines(example)
    except AssertionError as problem:
        return str(problem)
    actual = [line.rstrip() for line in output.splitlines()]
    while actual and not actual[-1]:
        actual.pop()
    got = actual[: len(expected)] if elided else actual
    if got == expected:
        return None
    for number, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            return (
                f"README.md:{example.line + 1 + number}: `{example.command}` printed a different line\n"
                f"  README: {want!r}\n  actual: {have!r}\n--- the whole output ---\n{output}"
            )
    return (
        f"README.md:{example.line}: `{example.command}` printed {len(got)} lines, the README shows "
        f"{len(expected)}\n--- the whole output ---\n{output}"
    )


def test_the_readme_is_read_as_documented() -> None:
    text = (
        "Intro\n\n```\n$ echo one\none\n$ echo two\n```\n\n"
        f"{ELIDED}\n\n```\n$ seq 3\n1\n…\n```\n\n{NOT_SHOWN}\n```\n$ date\n```\n"
        "```\nnot an example\n```\n"
    )
    assert parse_readme(text) == [
        Example(4, "echo one", ("one",), "whole"),
        Example(6, "echo two", (), "whole"),
        Example(12, "seq 3", ("1", "…"), "elided"),
        Example(19, "date", (), "not-shown"),
    ]
    elided = parse_readme(text)[2]
    assert compare(elided, "1\n2\n3\n") is None
    assert "printed a different line" in compare(elided, "0\n2\n")
    unmarked = compare(Example(1, "seq 3", ("1", "…"), "whole"), "1\n2\n")
    assert unmarked is not None and "a “…” line elides output only" in unmarked
    assert "printed 2 lines, the README shows 1" in compare(parse_readme(text)[0], "one\nextra\n")


def test_every_readme_example_prints_what_the_readme_shows(
    tmp_path: Path, _isolated_environment: Path, workdays, say_in_summary
) -> None:
    examples = parse_readme(README.read_text(encoding="utf-8"))
    assert len(examples) >= 15, "the README's examples were not found"
    folder = tmp_path / "readme"
    folder.mkdir()
    outputs = run_examples(examples, folder, _isolated_environment)
    failures = [problem for example, output in zip(examples, outputs) if (problem := compare(example, output))]
    blocks = len({(e.mode, _block_of(e)) for e in examples})
    elided = sum(1 for e in examples if e.mode == "elided" and e.expected and e.expected[-1].strip() == "…")
    not_shown = sum(1 for e in examples if e.mode == "not-shown")
    say_in_summary(
        f"README.md: ran {len(examples)} examples in {blocks} blocks; "
        f"{len(examples) - elided - not_shown} compared whole, {elided} up to “…”, {not_shown} not shown"
    )
    assert not failures, "\n\n".join(failures)


def _block_of(example: Example) -> int:
    """The README line of the code block an example belongs to."""
    lines = README.read_text(encoding="utf-8").splitlines()[: example.line]
    return max(i for i, line in enumerate(lines) if line.startswith("```"))

