"""The commands README.md and docs/*.md show exist as written (docs walk, 2026-12-06).

Product owners test from a fresh machine by following the docs literally, so a renamed
subcommand or option must break a test, not them. Every ``gutskin …`` invocation in a code
block or an inline code span of README.md and docs/*.md is parsed (``gutskin <sub> [<sub>] …
--option``) and checked against the real Typer/Click command tree
(``typer.main.get_command(app)``): each subcommand must exist and each ``--option`` must be
one of that command's. The slower half of the walk, running README's own commands on a fresh
SQLite database, is tests/docs/test_readme_walk.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from gutskin.cli import app

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# `gutskin` starts an invocation when nothing but a shell operator, a prompt, a path
# (.venv/bin/gutskin), an environment assignment or a cron schedule comes before it.
_LEAD = re.compile(r"(?:^\s*|(?:[|;(]|&&|\$|\*)\s*|/bin/|\b[A-Z_][A-Z0-9_]*=\S*\s+)$")
_PLACEHOLDERS = {"", "…", "...", "…."}
_STOP = {"|", "||", "&&", ";", ">", "<", "2>", "2>&1", "gutskin"}
_OPTION = re.compile(r"^--?[A-Za-z][\w-]*$")


def _fragments(path: Path) -> Iterator[tuple[int, str, bool]]:
    """(line number, text, in a code block): each line of a fenced code block (its `# comment`
    cut off) and each inline code span of the prose."""
    in_block = False
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            yield number, re.split(r"(?:^|\s)#", line, maxsplit=1)[0], True
        else:
            for span in re.finditer(r"`([^`\n]+)`", line):
                yield number, span.group(1), False


def invocations(text: str) -> Iterator[list[str]]:
    """The words after each `gutskin` that starts a command in ``text``, up to a shell
    operator or the next `gutskin`."""
    for match in re.finditer(r"(?<![\w.-])gutskin(?=\s)", text):
        if not _LEAD.search(text[: match.start()]):
            continue  # prose such as "any gutskin command" or "createdb -O gutskin gutskin"
        words: list[str] = []
        for word in text[match.end():].split():
            if word in _STOP or word.startswith("#"):
                break
            ends = word.endswith(";")
            words.append(word.rstrip(";"))
            if ends:
                break
        yield words


def _clean(word: str) -> str:
    return word.strip("[](){},'\"").rstrip(".:")


def _options(command) -> set[str]:
    names = {"--help"}
    for param in command.params:
        names.update(getattr(param, "opts", ()))
        names.update(getattr(param, "secondary_opts", ()))
    return {n for n in names if n.startswith("-")}


def check(words: list[str], root=None, whole: bool = False) -> list[str]:
    """Problems with one documented invocation (``words`` after `gutskin`), [] if it runs.

    ``whole``: the words are a command line to type (a code block's line, unless `...` stands
    for everything after the command), so the command's required options must be in it too;
    prose may name one option alone."""
    root = root or typer.main.get_command(app)
    commands = [(root, "gutskin")]
    rest = list(words)
    while rest and all(hasattr(c, "commands") for c, _ in commands):
        word = _clean(rest[0])
        if word in _PLACEHOLDERS or word.startswith("-"):
            break
        names = word.split("|")
        found = []
        for cmd, path in commands:
            for name in names:
                sub = cmd.commands.get(name)
                if sub is None:
                    return [f"`{path} {name}`: no such command (there are: {', '.join(sorted(cmd.commands))})"]
                found.append((sub, f"{path} {name}"))
        commands = found
        rest.pop(0)
    problems = []
    for raw in rest:
        word = _clean(raw)
        for part in word.split("/") if word.startswith("--") else [word]:
            option = part.split("=", 1)[0]
            if not _OPTION.match(option) or re.fullmatch(r"-\d+", option):
                continue  # a value, a placeholder, '-' (stdin) or a revision such as -1
            for cmd, path in commands:
                if option not in _options(cmd):
                    problems.append(f"`{path}` has no option {option} "
                                    f"(it has: {', '.join(sorted(_options(cmd) - {'--help'})) or 'none'})")
    if whole and not (rest and _clean(rest[0]) in _PLACEHOLDERS):  # `gutskin simulate cohort|trial ...` elides
        given = {part.split("=", 1)[0] for w in words for part in _clean(w).split("/")}
        for cmd, path in commands:
            for param in cmd.params:
                opts = [o for o in getattr(param, "opts", ()) if o.startswith("-")]
                if param.required and opts and not given & set(opts):
                    problems.append(f"`{path}` needs {opts[0]}, which the line leaves out")
    return problems


def documented_invocations() -> list[tuple[str, list[str], bool]]:
    found = []
    for path in DOC_FILES:
        for number, text, in_block in _fragments(path):
            for words in invocations(text):
                found.append((f"{path.relative_to(ROOT)}:{number}", words, in_block))
    return found


def test_every_documented_command_and_option_exists() -> None:
    problems = [f"{where}: gutskin {' '.join(words)}: {problem}"
                for where, words, in_block in documented_invocations()
                for problem in check(words, whole=in_block)]
    assert not problems, "\n".join(problems)


def _leaves(command, path=()) -> Iterator[tuple[str, ...]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield path


def test_readme_shows_every_command() -> None:
    """README's command-line section is where a new user looks: each command is in it."""
    shown = set()
    for where, words, _ in documented_invocations():
        if not where.startswith("README.md:"):
            continue
        shown.update(_path_of(words))
    missing = [" ".join(leaf) for leaf in _leaves(typer.main.get_command(app)) if leaf not in shown]
    assert not missing, f"README.md does not show: {', '.join('gutskin ' + m for m in missing)}"


@pytest.mark.parametrize(("line", "expected"), [
    ("gutskin serve --prot 8000", ["`gutskin serve` has no option --prot"]),
    ("gutskin simulate cohort|trail ...", ["`gutskin simulate trail`: no such command"]),
    ("$ echo x | gutskin score poem --input - --band x", ["`gutskin score` has no option --band"]),
    ("GUTSKIN_DATABASE_URL=sqlite:////tmp/x.db .venv/bin/gutskin import diray f.csv",
     ["`gutskin import diray`: no such command"]),
    ("gutskin challenge evaluate D.csv --patient p --food food.egg --start/--ends", ["`gutskin challenge evaluate` has no option --ends"]),
    ("gutskin db downgrade -1 ; gutskin restore FILE [--force]", []),
    ("gutskin simulate cohort --axis-off --out d", ["`gutskin simulate cohort` needs --patients, which the line leaves out",
                                                    "`gutskin simulate cohort` needs --days, which the line leaves out"]),
    ("gutskin simulate cohort|trial|plot ...", []),
    ("createdb -O gutskin gutskin", []),  # prose, not an invocation
    ("export GUTSKIN_DATABASE_URL=postgresql://gutskin@127.0.0.1/gutskin --nonsense", []),
])
def test_the_checker_catches_a_renamed_command_or_option(line: str, expected: list[str]) -> None:
    problems = [p for words in invocations(line) for p in check(words, whole=True)]
    assert [p.split(" (")[0] for p in problems] == expected


def _path_of(words: list[str]) -> list[tuple[str, ...]]:
    """The command paths ``words`` name (`simulate cohort|trial` names two), subcommands only."""
    paths: list[tuple[tuple[str, ...], object]] = [((), typer.main.get_command(app))]
    for word in words:
        word = _clean(word)
        if not all(hasattr(c, "commands") for _, c in paths) or word.startswith("-") or word in _PLACEHOLDERS:
            break
        paths = [((*p, n), c.commands[n]) for p, c in paths for n in word.split("|") if n in c.commands]
    return [p for p, _ in paths]


def test_every_command_is_shown_whole_somewhere() -> None:
    """A new user copies a line: each command appears at least once with all its required
    options (`gutskin simulate cohort` was shown only as `--axis-off` and `--start`, which stop
    at "Missing option '--patients'")."""
    whole = set()
    for _, words, _ in documented_invocations():
        after = words[len(_path_of(words)[0]) if _path_of(words) else 0:]
        if (after and _clean(after[0]) in _PLACEHOLDERS) or check(words, whole=True):
            continue  # elided (`gutskin simulate cohort|trial|plot ...`) or incomplete
        whole.update(_path_of(words))
    missing = [" ".join(leaf) for leaf in _leaves(typer.main.get_command(app)) if leaf not in whole]
    assert not missing, f"no line in README.md or docs/*.md shows these with their required options: " \
                        f"{', '.join('gutskin ' + m for m in missing)}"


def test_readme_lists_every_instrument_gutskin_score_takes() -> None:
    from gutskin.instruments import INSTRUMENTS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"gutskin score INSTRUMENT [^\n#]*#\s*([a-z ]+)\n", readme).group(1).split()
    table = (ROOT / "docs/instruments.md").read_text(encoding="utf-8").split("| INSTRUMENT |", 1)[1]
    in_table = re.findall(r"^\| ((?:`[a-z]+`(?:, )?)+) \|", table, re.M)
    assert sorted(listed) == sorted(INSTRUMENTS)
    assert sorted(n for cell in in_table for n in re.findall(r"`([a-z]+)`", cell)) == sorted(INSTRUMENTS)


def test_readme_configuration_table_matches_the_settings() -> None:
    """Every setting's GUTSKIN_ variable is in README's table, with the default the code has."""
    from gutskin.settings import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, str | None] = {}
    for row in re.findall(r"^\| (`GUTSKIN_[^|]*)\| ([^|]*)\|", table, re.M):
        names = re.findall(r"`(GUTSKIN_[A-Z_]+)`", row[0])
        defaults = re.findall(r"`([^`]*)`", row[1].split(" (")[0])
        for i, name in enumerate(names):
            documented[name] = defaults[i] if len(defaults) == len(names) else \
                defaults[0] if len(defaults) == 1 else None  # `720` for both minutes
    problems = []
    for field, info in Settings.model_fields.items():
        var = f"GUTSKIN_{field.upper()}"
        if var not in documented:
            problems.append(f"{var} is not in README's Configuration table")
        elif info.default_factory is None and field != "secret_key" and documented[var] != str(info.default):
            problems.append(f"{var}: README says default {documented[var]!r}, the code has {info.default!r}")
    assert not problems, "\n".join(problems)


def test_the_diary_example_file_is_the_one_the_format_page_shows() -> None:
    """README calls docs/examples/diary.csv "the example of the diary format"; docs/diary-csv.md
    shows it and says it imports as is, with a command naming a file that exists (it said
    `gutskin import diary example.csv`, a file no folder holds, until 2026-12-07)."""
    page = (ROOT / "docs/diary-csv.md").read_text(encoding="utf-8")
    command = re.search(r"imports as is with `gutskin import diary ([^`\s]+)`", " ".join(page.split()))
    assert command, "docs/diary-csv.md no longer says how its example imports"
    assert command.group(1) == "docs/examples/diary.csv" and (ROOT / command.group(1)).is_file(), command.group(1)
    shown = page.split(f"gutskin import diary {command.group(1)}", 1)[1].split("```", 2)[1].strip("\n")
    assert shown == (ROOT / "docs/examples/diary.csv").read_text(encoding="utf-8").strip("\n")


# --- the benches, as README and docs/*.md show them (new-user walk, 2026-12-07) ---

_BENCH = re.compile(r"(\S*?)\bpython3?\s+-m\s+bench\.(\w+)([^`\n]*)")


def _bench_lines() -> list[tuple[str, str, str, str]]:
    """(where, interpreter, bench name, the rest of the line) of each `python -m bench.NAME`
    in a code span or a code block of README.md and docs/*.md."""
    found = []
    for path in DOC_FILES:
        for number, text, _ in _fragments(path):
            for m in _BENCH.finditer(text):
                found.append((f"{path.relative_to(ROOT)}:{number}", m.group(1), m.group(2), m.group(3)))
    return found


def _bench_options(name: str) -> set[str]:
    source = (ROOT / "bench" / f"{name}.py").read_text(encoding="utf-8")
    return set(re.findall(r"add_argument\(\s*\"(--[\w-]+)\"", source)) | {"--help"}


def test_every_documented_bench_runs_from_a_fresh_clone() -> None:
    """README said `python -m bench.NAME`: in a fresh clone after `make run` the `python` on the PATH
    is the system's, without gutskin, and the line stops at "No module named 'gutskin'" (walk of
    2026-12-07). Each documented bench line names the interpreter `make run` installs gutskin into,
    a bench module that exists, and options that module has."""
    lines = _bench_lines()
    assert any(where.startswith("README.md:") for where, *_ in lines), "README no longer shows how to run a bench"
    problems = []
    for where, interpreter, name, rest in lines:
        if interpreter != ".venv/bin/":
            problems.append(f"{where}: `{interpreter}python -m bench.{name}`: run as `.venv/bin/python -m bench.{name}`")
        if name == "NAME":
            continue
        if not (ROOT / "bench" / f"{name}.py").is_file():
            problems.append(f"{where}: no bench/{name}.py")
            continue
        for option in re.findall(r"(?<![\w-])--[\w-]+", rest):
            if option not in _bench_options(name):
                problems.append(f"{where}: bench.{name} has no option {option}")
    assert not problems, "\n".join(problems)


def test_every_bench_of_the_readme_table_exists_and_make_bench_runs_it() -> None:
    table = (ROOT / "README.md").read_text(encoding="utf-8").split("## Benchmarks", 1)[1]
    names = re.findall(r"^\| `(\w+)` \|", table, re.M)
    assert names, "README's bench table is gone"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for name in names:
        assert (ROOT / "bench" / f"{name}.py").is_file(), name
        assert re.search(rf"(bench\.{name}\b|\b{name}\b)", makefile.split("\nbench:", 1)[1]), name



def test_web_md_names_every_microbiome_upload_format() -> None:
    """docs/web.md's microbiome page and API rows listed the upload's suffixes up to Bracken, while
    the page and the server also take mothur `.shared`, sylph-tax `.sylphmpa` and compressed files
    (.gz/.bz2/.xz/.zip; walk of 2026-12-07: a newcomer reading web.md would zip nothing and think
    a mothur table must be converted). Both rows name every suffix UPLOAD_FORMATS accepts, and the
    API row every taxonomy suffix."""
    from gutskin.clinic.microbiome import ALLOWED_SUFFIXES, TAXONOMY_SUFFIXES

    rows = (ROOT / "docs/web.md").read_text(encoding="utf-8").splitlines()
    page = next(r for r in rows if r.startswith("| patient | `/microbiome`"))
    api = next(r for r in rows if r.startswith("| `POST /api/v1/me/microbiome`"))

    def named(row: str) -> set[str]:
        return set(re.findall(r"(?<![\w.])(\.[a-z0-9]+)(?![\w.])", " ".join(re.findall(r"`([^`]+)`", row))))

    problems = [f"{where} does not name {suffix}" for where, row in (("the /microbiome row", page), ("the API row", api))
                for suffix in ALLOWED_SUFFIXES if suffix not in named(row)]
    problems += [f"the API row does not name the taxonomy suffix {suffix}" for suffix in TAXONOMY_SUFFIXES
                 if suffix not in named(api.split("`taxonomy`", 1)[1])]
    assert not problems, "\n".join(problems)
