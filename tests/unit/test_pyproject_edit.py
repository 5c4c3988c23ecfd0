from __future__ import annotations

import difflib
import os
import re
import sys
from typing import TYPE_CHECKING

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poetry_codeartifact.pyproject_edit import EditError, _blocks, _body_end, _key_line, _set_key, set_source

if TYPE_CHECKING:
    from collections.abc import Callable

if sys.version_info >= (3, 11):  # a check mypy understands, for the oldest Python (3.10) too
    import tomllib
else:  # Python 3.10: Poetry depends on tomli there
    import tomli as tomllib

ORIGINAL = '''# top comment
[project]
name = "app"   # trailing comment
dependencies = ["requests>=2"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "corp"
url = "https://corp.example/simple/"  # keep
priority = "supplemental"
extra-key = "kept"

[tool.black]
line-length = 100

[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"
'''


def test_new_source_changes_nothing_else() -> None:
    out = set_source(ORIGINAL, "ca", "https://x/pypi/r/simple/", "primary", None)
    added = '[[tool.poetry.source]]\nname = "ca"\nurl = "https://x/pypi/r/simple/"\npriority = "primary"\n\n'
    assert out.replace(added, "") == ORIGINAL
    sources = tomlkit.parse(out)["tool"]["poetry"]["source"]
    assert [s["name"] for s in sources] == ["corp", "ca"]


def test_update_in_place_keeps_comments_and_unknown_keys() -> None:
    out = set_source(ORIGINAL, "corp", "https://new/simple/", "explicit", None)
    assert out == ORIGINAL.replace("https://corp.example/simple/", "https://new/simple/").replace(
        '"supplemental"', '"explicit"'
    )


def test_mapping_table_added_then_updated() -> None:
    mapping = {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}
    out = set_source(ORIGINAL, "ca", "http://127.0.0.1:1/pypi/r/simple/", "primary", mapping)
    doc = tomlkit.parse(out)
    assert doc["tool"]["poetry-codeartifact"]["sources"]["ca"] == mapping
    assert out.startswith(ORIGINAL.split("[tool.black]")[0])
    assert "[tool.black]\nline-length = 100\n" in out
    again = set_source(out, "ca", "http://127.0.0.1:1/pypi/r/simple/", "primary", {"profile": "dev", "duration": None})
    table = tomlkit.parse(again)["tool"]["poetry-codeartifact"]["sources"]["ca"]
    assert dict(table) == {**mapping, "profile": "dev"}
    assert again.count("[tool.poetry-codeartifact.sources.ca]") == 1


def test_legacy_keys_replaced_by_priority() -> None:
    text = '[tool.poetry]\nname = "x"\n\n[[tool.poetry.source]]\nname = "ca"\nurl = "u"\nsecondary = true\n'
    out = set_source(text, "ca", "https://n/simple/", "primary", None)
    (entry,) = tomlkit.parse(out)["tool"]["poetry"]["source"]
    assert dict(entry) == {"name": "ca", "url": "https://n/simple/", "priority": "primary"}


def test_pep621_project_without_tool_table() -> None:
    out = set_source('[project]\nname = "a"\n', "ca", "https://n/simple/", "primary", None)
    assert out.startswith('[project]\nname = "a"\n')
    assert tomlkit.parse(out)["tool"]["poetry"]["source"][0]["name"] == "ca"


# -- every layout TOML allows (hypothesis) ---------------------------------------------------
#
# Two oracles that share nothing with the editor: a line-diff oracle (every line the edit
# removes or adds belongs to the target source's entry or its mapping table; every other line is
# byte-identical, line endings and white space included) and a data oracle written as checks,
# key by key, of what may differ between the parsed original and the parsed result.

# tools/mutation.py runs these tests once per mutant and asks for fewer examples
EXAMPLES = int(os.environ.get("POETRY_CODEARTIFACT_HYPOTHESIS_EXAMPLES", "600"))
NAMES = ("corp", "ca", "mirror")
MAPPING = {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}
TABLE_KEYS = ("domain", "domain-owner", "region", "profile", "duration")
DESCRIPTIONS = (
    'description = "app"',
    'description = """\nA multi-line description\n[not.a.table]\nname = "corp"\n"""',
    "description = '''\nliteral [[tool.poetry.source]]\n'''",
)


def _key(key: str, quoted: bool) -> str:
    return f'"{key}"' if quoted else key


def _string(value: str, literal: bool) -> str:
    return f"'{value}'" if literal else f'"{value}"'


@st.composite
def layouts(draw: st.DrawFn) -> str:
    """pyproject.toml texts in the layouts TOML allows for sources and mapping tables: arrays of
    tables (also with another table between them), inline arrays on one line or many (with
    comments and tabs inside), dotted ``tool.poetry.source``, a ``[tool]`` super-table, literal
    and multi-line strings, quoted keys, and mapping tables as tables, dotted keys or inline
    tables; LF or CRLF."""
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    quoted, literal, tabs = draw(st.booleans()), draw(st.booleans()), draw(st.booleans())
    indent = "\t" if tabs else "    "
    eq = "\t=\t" if tabs and draw(st.booleans()) else " = "

    def pair(key: str, value: str) -> str:
        return f"{_key(key, quoted)}{eq}{_string(value, literal)}"

    def entry(n: str, p: str | None, comment: bool) -> list[str]:
        lines = [pair("name", n), pair("url", f"https://{n}.example/simple/") + ("  # the index" if comment else "")]
        if p:
            lines.append(pair("priority", p))
        return lines

    sources = [(n, draw(st.sampled_from([None, "primary", "explicit"])), draw(st.booleans())) for n in names]
    style = draw(st.sampled_from(["aot", "aot-spread", "inline", "inline-multiline", "dotted-top"]))
    head = ["# a project"]
    super_table = draw(st.booleans())
    inline_items = ", ".join("{ " + ", ".join(entry(n, p, False)) + " }" for n, p, _ in sources)
    poetry = ["[tool.poetry]", 'name = "app"', 'version = "0.1.0"', draw(st.sampled_from(DESCRIPTIONS))]
    if style == "dotted-top":  # tool.poetry written with dotted keys, in [tool] or at the top level
        prefix = "poetry." if super_table else "tool.poetry."
        poetry = [prefix + line for line in poetry[1:]]
        if sources:
            poetry.append(f"{prefix}source = [{inline_items}]")
        head += ["[tool]", *poetry] if super_table else poetry
        poetry = []
    elif super_table:
        head += ["[tool]", "# the tool super-table, written out"]
    blocks: list[list[str]] = []
    if sources and style == "inline":
        poetry.append(f"source = [{inline_items}]")
    elif sources and style == "inline-multiline":
        poetry.append("source = [")
        for n, p, comment in sources:
            poetry.append(indent + "{ " + ", ".join(entry(n, p, False)) + " }," + ("  # a comment" if comment else ""))
        poetry.append("]")
    elif sources and style.startswith("aot"):
        blocks += [["[[tool.poetry.source]]", *entry(n, p, c)] for n, p, c in sources]
        if style == "aot-spread" and len(blocks) > 1:
            blocks.insert(1, ["[tool.poetry.dependencies]", 'python = ">=3.10"'])
    others = [["[tool.black]", "line-length = 100  # keep"],
              ["[build-system]", 'requires = ["poetry-core>=1.0"]', 'build-backend = "poetry.core.masonry.api"']]
    mapped = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=2))
    map_style = draw(st.sampled_from(["tables", "dotted", "inline", "sub-inline"]))
    if mapped:
        values = {n: dict(MAPPING, profile=f"p-{n}") for n in mapped}
        if map_style == "tables":
            mapping = [[f"[tool.poetry-codeartifact.sources.{n}]", *(pair(k, v) for k, v in t.items())]
                       for n, t in values.items()]
        elif map_style == "dotted":
            mapping = [["[tool.poetry-codeartifact]", "# per source",
                        *(f"sources.{n}.{pair(k, v)}" for n, t in values.items() for k, v in t.items())]]
        elif map_style == "inline":
            inner = ", ".join(f"{n} = {{ " + ", ".join(pair(k, v) for k, v in t.items()) + " }"
                              for n, t in values.items())
            mapping = [["[tool.poetry-codeartifact]", f"sources = {{ {inner} }}"]]
        else:
            mapping = [["[tool.poetry-codeartifact.sources]",
                        *(f"{n} = {{ " + ", ".join(pair(k, v) for k, v in t.items()) + " }"
                          for n, t in values.items())]]
        others += mapping
    blocks += draw(st.permutations(others))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = (newline * 2).join(newline.join(block) for block in [head, poetry, *blocks] if block)
    text = text.replace("\n", newline) if newline == "\r\n" else text  # multi-line strings too
    text = text.replace("\r\r\n", "\r\n")
    return text + (newline if draw(st.booleans()) else "")


def _owned_lines(lines: list[str], name: str) -> set[int]:
    """Indexes of the original's lines that belong to source ``name`` or to its mapping table
    (the only lines an edit may change), found from the text alone."""
    owned: set[int] = set()
    named = rf"""\s*"?name"?\s*=\s*["']{re.escape(name)}["']"""
    headers: list[tuple[int, str]] = []
    in_string = False
    for index, line in enumerate(lines):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
        elif not in_string and line.lstrip().startswith("["):
            headers.append((index, line.strip()))
    bounds = [*(index for index, _ in headers), len(lines)]
    for (first, header), last in zip(headers, bounds[1:], strict=True):
        body = range(first, last)
        if header == "[[tool.poetry.source]]" and any(re.match(named, lines[i]) for i in body):
            owned.update(body)
        if header == f"[tool.poetry-codeartifact.sources.{name}]":
            owned.update(body)
    depth = 0
    for index, line in enumerate(lines):  # inline arrays of sources; inline and dotted mapping tables
        if depth or re.match(r"\s*(tool\.)?(poetry\.)?source\s*=\s*\[", line):
            owned.add(index)
            depth = max(depth + line.count("[") - line.count("]"), 0)
        if re.match(rf"\s*sources\.{re.escape(name)}\.|\s*{re.escape(name)}\s*=\s*\{{|\s*sources\s*=\s*\{{", line):
            owned.add(index)
    return owned


_NEW_LINE = "|".join((
    r"\s*",  # a blank line
    r"\[\[tool\.poetry\.source\]\]|\[tool\.poetry-codeartifact(\.sources)?(\.[\w-]+)?\]",  # the edit's headers
    r"\s*\"?(name|url|priority|domain|domain-owner|region|profile|duration)\"?\s*=.*",  # the edit's keys
    r"\s*(tool\.)?(poetry\.)?source\s*=\s*\[.*|.*\{.*\}.*|\s*\]\s*",  # an inline array of sources
    r'\s*sources(\.("[\w-]+"|[\w-]+))*\s*=.*',  # a mapping as dotted keys or an inline table
))


def _line_diff_oracle(text: str, out: str, name: str) -> None:
    """Every removed line is one of the target's; every added line is an entry or table line of
    the kind the edit writes; everything else is byte-identical, line endings included."""
    before, after = text.splitlines(keepends=True), out.splitlines(keepends=True)
    if before and not before[-1].endswith("\n") and not out.endswith(before[-1]):
        before[-1] += "\r\n" if "\r\n" in text else "\n"  # text added after a last line without an ending
    owned = _owned_lines([line.rstrip("\r\n") for line in before], name)
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for index in range(i1, i2):
            assert index in owned, f"changed a line that is not the target's: {before[index]!r}"
        for line in after[j1:j2]:
            assert re.fullmatch(_NEW_LINE, line.rstrip("\r\n")), f"added an unexpected line: {line!r}"
            if "\r\n" in text and line.endswith("\n"):
                assert line.endswith("\r\n"), f"an LF line in a CRLF file: {line!r}"


def _data_oracle(text: str, out: str, name: str, url: str, priority: str, options: dict[str, object]) -> None:
    """The parsed result is the parsed original with exactly the change, checked key by key."""
    old, new = tomllib.loads(text), tomllib.loads(out)
    assert {k: v for k, v in old.items() if k != "tool"} == {k: v for k, v in new.items() if k != "tool"}
    old_tool, new_tool = old.get("tool", {}), new["tool"]
    for key in set(old_tool) | set(new_tool):
        if key not in ("poetry", "poetry-codeartifact"):
            assert old_tool.get(key) == new_tool.get(key), key
    old_poetry, new_poetry = old_tool.get("poetry", {}), new_tool["poetry"]
    assert {k: v for k, v in old_poetry.items() if k != "source"} == {
        k: v for k, v in new_poetry.items() if k != "source"}
    old_sources, new_sources = old_poetry.get("source", []), new_poetry["source"]
    assert [s for s in old_sources if s["name"] != name] == [s for s in new_sources if s["name"] != name]
    (target,) = [s for s in new_sources if s["name"] == name]
    assert (target["url"], target["priority"]) == (url, priority)
    previous = next((s for s in old_sources if s["name"] == name), None)
    if previous is None:
        assert new_sources[-1] is target  # a new entry comes last
        assert set(target) == {"name", "url", "priority"}
    else:
        assert new_sources.index(target) == old_sources.index(previous)  # an entry stays where it was
        kept = {k: v for k, v in previous.items() if k not in ("url", "priority", "default", "secondary")}
        assert {k: v for k, v in target.items() if k not in ("url", "priority")} == kept
    old_tables = old_tool.get("poetry-codeartifact", {}).get("sources", {})
    new_tables = new_tool.get("poetry-codeartifact", {}).get("sources", {})
    assert {k: v for k, v in old_tables.items() if k != name} == {k: v for k, v in new_tables.items() if k != name}
    for key in TABLE_KEYS:
        wanted = options[key] if key in options else old_tables.get(name, {}).get(key)
        assert new_tables.get(name, {}).get(key) == wanted, key


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=layouts(),
    name=st.sampled_from(NAMES),
    priority=st.sampled_from(["primary", "supplemental", "explicit"]),
    options=st.sampled_from([{}, MAPPING, {"profile": "dev", "duration": 3600}, {"profile": None}]),
)
def test_every_layout_keeps_its_style_and_changes_only_the_source(
    text: str, name: str, priority: str, options: dict[str, object]
) -> None:
    url = f"https://{name}.example/pypi/new/simple/"
    out = set_source(text, name, url, priority, options)
    _data_oracle(text, out, name, url, priority, options)
    _line_diff_oracle(text, out, name)
    if "\r\n" in text:
        assert "\n" not in out.replace("\r\n", "")  # no LF mixed into a CRLF file
    if "source = [" in text and "[[tool.poetry.source]]" not in text:
        assert "[[tool.poetry.source]]" not in out  # an inline array stays inline


PLANTED_BUGS = {
    "every key rewritten without spaces": (lambda out: out.replace(" = ", "="), ORIGINAL),
    "blank lines dropped": (lambda out: out.replace("\n\n", "\n"), ORIGINAL),
    "keys indented": (lambda out: out.replace("line-length", "    line-length"), ORIGINAL),
    "a trailing comment dropped": (lambda out: out.replace("  # keep", ""), ORIGINAL),
    "a string's quotes changed": (lambda out: out.replace('"app"', "'app'"), ORIGINAL),
    "an LF in a CRLF file": (lambda out: out.replace("\r\n[tool.black]", "\n[tool.black]"),
                             ORIGINAL.replace("\n", "\r\n")),
    "a trailing comment dropped in a CRLF file": (lambda out: out.replace("  # trailing comment", ""),
                                                  ORIGINAL.replace("\n", "\r\n")),
}


@pytest.mark.parametrize(("mutate", "text"), PLANTED_BUGS.values(), ids=PLANTED_BUGS.keys())
def test_the_line_diff_oracle_catches_planted_bugs(mutate: Callable[[str], str], text: str) -> None:
    out = set_source(text, "ca", "https://ca.example/pypi/new/simple/", "primary", None)
    _line_diff_oracle(text, out, "ca")  # the real edit passes
    with pytest.raises(AssertionError):
        _line_diff_oracle(text, mutate(out), "ca")


def test_the_data_oracle_catches_planted_bugs() -> None:
    url = "https://corp.example/pypi/new/simple/"
    out = set_source(ORIGINAL, "corp", url, "primary", None)
    _data_oracle(ORIGINAL, out, "corp", url, "primary", {})
    for planted in (out.replace('extra-key = "kept"\n', ""), out.replace("100", "99"),
                    out.replace(url, "https://elsewhere/simple/")):
        with pytest.raises(AssertionError):
            _data_oracle(ORIGINAL, planted, "corp", url, "primary", {})


def test_a_layout_that_cannot_be_edited_is_refused_with_the_lines_to_add() -> None:
    text = '[tool]\npoetry = { name = "x", source = "not an array" }\n'
    with pytest.raises(EditError, match=r"tool.poetry.source in pyproject.toml is not an array"):
        set_source(text, "ca", "https://n/simple/", "primary", None)


def test_invalid_toml_is_refused() -> None:
    with pytest.raises(EditError, match="not valid TOML"):
        set_source("[tool.poetry\n", "ca", "https://n/simple/", "primary", None)


def test_a_byte_order_mark_is_named() -> None:
    with pytest.raises(EditError, match="starts with a UTF-8 byte-order mark"):
        set_source("\ufeff" + ORIGINAL, "ca", "https://n/simple/", "primary", None)


# -- files tomlkit does not write back as they were: edited line by line (exact results) --------

SPREAD = ('[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
    'url = "https://corp.example/simple/"  # the index\nsecondary = true\n\n'
    '[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
    'name = "ca"\nurl = "https://ca.example/simple/"\n')  # source tables with another table between them
M = {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}
LINE_EDITS = {
    'A': (SPREAD, 'corp', {'domain': 'acme', 'domain-owner': '111122223333', 'region': 'eu-west-1'},
          '[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
              'url = "https://n.example/simple/"  # the index\npriority = "explicit"\n'
              '\n[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
              'name = "ca"\nurl = "https://ca.example/simple/"\n\n[tool.poetry-codeartifact.sources.corp]\n'
              'domain = "acme"\ndomain-owner = "111122223333"\nregion = "eu-west-1"\n'),
    'B': (SPREAD + '\n[tool.poetry-codeartifact.sources.corp]\nprofile = "p"\n'
        '', 'corp', {'profile': None, 'duration': 3600},
          '[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
              'url = "https://n.example/simple/"  # the index\npriority = "explicit"\n'
              '\n[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
              'name = "ca"\nurl = "https://ca.example/simple/"\n\n[tool.poetry-codeartifact.sources.corp]\n'
              'duration = 3600\n'),
    'C': (SPREAD + '\n[tool.poetry-codeartifact]\nsources.corp.profile = "p"\n', 'ca', {'profile': 'dev'},
          '[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
              'url = "https://corp.example/simple/"  # the index\nsecondary = true\n\n'
              '[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
              'name = "ca"\nurl = "https://n.example/simple/"\npriority = "explicit"\n'
              '\n[tool.poetry-codeartifact]\nsources.corp.profile = "p"\nsources.ca.profile = "dev"\n'
              ''),
    'C2': (SPREAD + '\n[tool.poetry-codeartifact]\nsources.corp.profile = "p"\n'
        '', 'corp', {'profile': 'dev', 'duration': None},
          '[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
              'url = "https://n.example/simple/"  # the index\npriority = "explicit"\n'
              '\n[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
              'name = "ca"\nurl = "https://ca.example/simple/"\n\n[tool.poetry-codeartifact]\n'
              'sources.corp.profile = "dev"\n'),
    'D': (SPREAD + '\n[tool.poetry-codeartifact.sources]\ncorp = { profile = "p" }\n', 'ca', {'profile': 'dev'},
          '[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
              'url = "https://corp.example/simple/"  # the index\nsecondary = true\n\n'
              '[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
              'name = "ca"\nurl = "https://n.example/simple/"\npriority = "explicit"\n'
              '\n[tool.poetry-codeartifact.sources]\ncorp = { profile = "p" }\nca = {profile = "dev"}\n'
              ''),
    'E': (SPREAD + '\n[tool.poetry-codeartifact]\nsources = { corp = { profile = "p" } }\n', 'ca', {'profile': 'dev'},
          '[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\n'
              'url = "https://corp.example/simple/"  # the index\nsecondary = true\n\n'
              '[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\n'
              'name = "ca"\nurl = "https://n.example/simple/"\npriority = "explicit"\n'
              '\n[tool.poetry-codeartifact]\nsources = { corp = { profile = "p" }, ca = {profile = "dev"}}\n'
              ''),
    'F': ('tool.poetry.name = "app"\ntool.poetry.version = "1"\n\n[tool.black]\n'
        'x = 1', 'ca', {'domain': 'acme', 'domain-owner': '111122223333', 'region': 'eu-west-1'},
          'tool.poetry.name = "app"\ntool.poetry.version = "1"\n\n[tool.black]\n'
              'x = 1\n\n[[tool.poetry.source]]\nname = "ca"\nurl = "https://n.example/simple/"\n'
              'priority = "explicit"\n\n[tool.poetry-codeartifact.sources.ca]\ndomain = "acme"\n'
              'domain-owner = "111122223333"\nregion = "eu-west-1"\n'),
    'G': (SPREAD.replace("\n", "\r\n"), 'new', {'profile': 'dev'},
          '[tool.poetry]\r\nname = "app"\r\n\r\n[[tool.poetry.source]]\r\n'
              'name = "corp"\r\nurl = "https://corp.example/simple/"  # the index\r\nsecondary = true\r\n'
              '\r\n[tool.poetry.dependencies]\r\npython = ">=3.10"\r\n\r\n[[tool.poetry.source]]\r\n'
              'name = "ca"\r\nurl = "https://ca.example/simple/"\r\n\r\n[[tool.poetry.source]]\r\n'
              'name = "new"\r\nurl = "https://n.example/simple/"\r\npriority = "explicit"\r\n'
              '\r\n[tool.poetry-codeartifact.sources.new]\r\nprofile = "dev"\r\n'),
}


@pytest.mark.parametrize(("text", "name", "options", "expected"), LINE_EDITS.values(), ids=LINE_EDITS.keys())
def test_line_edits_of_a_file_tomlkit_would_reorder(
    text: str, name: str, options: dict[str, object], expected: str
) -> None:
    out = set_source(text, name, "https://n.example/simple/", "explicit", options)
    assert out == expected
    _line_diff_oracle(text, out, name)
    _data_oracle(text, out, name, "https://n.example/simple/", "explicit", options)


def test_an_inline_mapping_entry_loses_a_key_in_place() -> None:
    text = SPREAD + '\n[tool.poetry-codeartifact.sources]\ncorp = { profile = "p" }\n'
    out = set_source(text, "corp", "https://n.example/simple/", "explicit", {"duration": 3600, "profile": None})
    _line_diff_oracle(text, out, "corp")
    _data_oracle(text, out, "corp", "https://n.example/simple/", "explicit", {"duration": 3600, "profile": None})
    assert out.index("[tool.poetry.dependencies]") < out.index('name = "ca"')  # nothing moved



def test_a_new_name_joins_a_mapping_written_as_dotted_keys() -> None:
    text = ('[tool.poetry]\nname = "app"\n\n[[tool.poetry.source]]\nname = "corp"\nurl = "https://corp.example/simple/"'
            '\n\n[tool.poetry-codeartifact]\n# per source\nsources.corp.profile = "p"\n')
    out = set_source(text, "ca", "https://n.example/simple/", "primary", {"profile": "dev", "duration": 3600})
    assert out == text.replace(
        '\n\n[tool.poetry-codeartifact]',
        '\n\n[[tool.poetry.source]]\nname = "ca"\nurl = "https://n.example/simple/"\npriority = "primary"\n\n'
        '[tool.poetry-codeartifact]',
    ) + 'sources.ca.profile = "dev"\nsources.ca.duration = 3600\n'


def test_a_multi_line_string_that_looks_like_a_source_is_left_alone() -> None:
    """The line edits skip the inside of multi-line strings, where `[[tool.poetry.source]]` and
    `name = "corp"` are text, not TOML."""
    text = ('[tool.poetry]\nname = "app"\ndescription = """\n[[tool.poetry.source]]\nname = "corp"\n'
            'url = "https://fake/"\n"""\n\n[[tool.poetry.source]]\nname = "corp"\nurl = "https://corp.example/simple/"'
            '\n\n[tool.poetry.dependencies]\npython = ">=3.10"\n\n[[tool.poetry.source]]\nname = "ca"\n'
            'url = "https://ca.example/simple/"\n')
    out = set_source(text, "corp", "https://n.example/simple/", "primary", {})
    assert out == text.replace('url = "https://corp.example/simple/"\n',
                               'url = "https://n.example/simple/"\npriority = "primary"\n')
    literal = text.replace('"""', "'''")
    assert set_source(literal, "corp", "https://n.example/simple/", "primary", {}) == literal.replace(
        'url = "https://corp.example/simple/"\n', 'url = "https://n.example/simple/"\npriority = "primary"\n')


# -- the line-edit helpers, pinned one by one (what the end-to-end layouts cannot reach alone) --


def test_blocks_finds_every_table_header_and_skips_strings() -> None:
    lines = ['title = "x"\n', '  [tool."a b"]  # one # two\n', 'k = """on one line"""\n', 'q = \'\'\'a\'\'\'\n',
             "[tool.b]\n", "s = '''\n", "[not.a.header]\n", "'''\n", '[[tool.poetry.source]]\n']
    assert _blocks(lines) == [("", 0, 1), ('[tool."a b"]', 1, 4), ("[tool.b]", 4, 8), ("[[tool.poetry.source]]", 8, 9)]


def test_body_end_is_after_the_last_line_that_is_not_blank() -> None:
    lines = ["[a]\n", "x = 1\n", "\n", "\n", "[b]\n", "\n", "\n"]
    assert _body_end(lines, 0, 4) == 2
    assert _body_end(lines, 4, 7) == 5  # an empty table: right after its header


def test_key_line_matches_a_dotted_key_written_any_way() -> None:
    pattern = _key_line("sources.corp.profile")
    written = ('sources.corp.profile = "dev"', 'sources . "corp" . profile="dev"', "'sources'.corp.'profile' = 'dev'")
    for line in written:
        match = re.match(pattern, line)
        assert match is not None, line
        assert match["value"] in ('"dev"', "'dev'")
    assert re.match(pattern, 'sources.corpx.profile = "dev"') is None
    assert re.match(pattern, 'sourcesXcorp.profile = "dev"') is None


def test_set_key_edits_only_its_own_table() -> None:
    lines = ["[a]\n", 'url = "x"\n', "[b]\n", 'name = "n"\n', "\n"]
    _set_key(lines, 2, 5, "url", "y", "\n")
    assert lines == ["[a]\n", 'url = "x"\n', "[b]\n", 'name = "n"\n', 'url = "y"\n', "\n"]
    _set_key(lines, 2, 6, "url", "z", "\n")
    assert lines[4] == 'url = "z"\n'
    bare = ["[t]"]  # a file that ends without a line break
    _set_key(bare, 0, 1, "k", 1, "\r\n")
    assert bare == ["[t]\r\n", "k = 1\r\n"]


NEW_ENTRY = '\n[[tool.poetry.source]]\nname = "new"\nurl = "https://n.example/simple/"\npriority = "explicit"\n'
THIRD = '\n[[tool.poetry.source]]\nname = "third"\nurl = "https://t.example/simple/"\n'
INLINE = '\n[tool.poetry-codeartifact.sources]\ncorp = { profile = "p" }'
MORE_LINE_EDITS = {  # a new entry after the last one, where the file's layout makes that tricky
    "no final line break": (SPREAD.rstrip("\n"), {}, SPREAD + NEW_ENTRY),
    "an inline mapping without a final line break": (
        SPREAD + INLINE, {"profile": "dev"}, SPREAD + NEW_ENTRY + INLINE + '\nnew = {profile = "dev"}\n'),
    "a table after the last entry": (
        SPREAD + "\n[tool.other]\nx = 1\n", {}, SPREAD + NEW_ENTRY + "\n[tool.other]\nx = 1\n"),
    "three entries, two blank lines before the next table": (
        SPREAD + "\n[tool.other]\nx = 1\n" + THIRD + "\n\n[tool.last]\ny = 2\n", {},
        SPREAD + "\n[tool.other]\nx = 1\n" + THIRD + NEW_ENTRY + "\n\n[tool.last]\ny = 2\n"),
}


@pytest.mark.parametrize(("text", "options", "expected"), MORE_LINE_EDITS.values(), ids=MORE_LINE_EDITS.keys())
def test_a_new_entry_goes_right_after_the_last_one(text: str, options: dict[str, object], expected: str) -> None:
    test_line_edits_of_a_file_tomlkit_would_reorder(text, "new", options, expected)


def test_the_entry_is_found_by_its_own_name_line_not_the_projects() -> None:
    """The project is called like the source, on the line right before the first entry."""
    text = SPREAD.replace('name = "app"\n\n[[tool.poetry.source]]', 'name = "ca"\n[[tool.poetry.source]]')
    out = set_source(text, "ca", "https://n.example/simple/", "explicit", {})
    assert out == text.replace('name = "ca"\nurl = "https://ca.example/simple/"\n',
                               'name = "ca"\nurl = "https://n.example/simple/"\npriority = "explicit"\n')


def test_a_new_mapping_table_after_a_last_line_without_a_line_break() -> None:
    text = SPREAD + "\n[tool.other]\nx = 1"
    out = set_source(text, "new", "https://n.example/simple/", "explicit", {"profile": "dev"})
    assert out == (SPREAD + NEW_ENTRY + "\n[tool.other]\nx = 1\n\n[tool.poetry-codeartifact.sources.new]\n"
                   'profile = "dev"\n')
    _line_diff_oracle(text, out, "new")


@pytest.mark.parametrize(("text", "message"), [
    ('\ufeff[tool.poetry]\nname = "x"\n',
     "pyproject.toml is not valid TOML (Invalid statement (at line 1, column 1)); it was left as it was. It starts "
     "with a UTF-8 byte-order mark, which Poetry cannot read: save it as UTF-8 without BOM."),
    ('[tool]\npoetry = { name = "x", source = "not an array" }\n',
     "tool.poetry.source in pyproject.toml is not an array; it was left as it was."),
    ("[tool.poetry\n", "pyproject.toml is not valid TOML (Expected ']' at the end of a table declaration (at line 1, "
     "column 13)); it was left as it was."),
    ("tool = 3\n", "tool in pyproject.toml is not a table; it was left as it was."),
    ('[tool]\npoetry = "p"\n', "tool.poetry in pyproject.toml is not a table; it was left as it was."),
    ('[tool]\npoetry-codeartifact = "s"\n',
     "tool.poetry-codeartifact in pyproject.toml is not a table; it was left as it was."),
    ("[tool.poetry-codeartifact]\nsources = 1\n",
     "tool.poetry-codeartifact.sources in pyproject.toml is not a table; it was left as it was."),
    ("[tool.poetry-codeartifact.sources]\nca = []\n",
     "tool.poetry-codeartifact.sources.ca in pyproject.toml is not a table; it was left as it was."),
    ('tool = { poetry = { name = "x" } }\n', "Could not edit pyproject.toml in place without changing anything else "
     "(its layout of [[tool.poetry.source]] or [tool.poetry-codeartifact] is unusual); it was left as it was. Add the "
     'source by hand: [[tool.poetry.source]] with name = "ca", url = "https://n/simple/" and priority = "primary".'),
])
def test_refusals_word_for_word(text: str, message: str) -> None:
    with pytest.raises(EditError) as raised:
        set_source(text, "ca", "https://n/simple/", "primary", None)
    assert str(raised.value) == message


@pytest.mark.parametrize(("options", "by_hand"), [
    ({}, "."),
    ({"profile": None}, ", and [tool.poetry-codeartifact.sources.ca] without profile."),
    ({"domain": "acme", "duration": 3600},
     ', and [tool.poetry-codeartifact.sources.ca] with domain = "acme", duration = 3600.'),
    ({"domain": "acme", "profile": None, "region": "eu-west-1", "duration": None},
     ', and [tool.poetry-codeartifact.sources.ca] with domain = "acme", region = "eu-west-1" without profile, duration.'
     .replace(" without", " and without")),
])
def test_an_edit_no_way_can_make_names_the_lines_to_write_by_hand(options: dict[str, object], by_hand: str) -> None:
    """An inline ``tool`` table cannot take a ``[[tool.poetry.source]]`` entry and tomlkit cannot
    add one to it: every way fails and the message spells out the TOML to write."""
    with pytest.raises(EditError) as raised:
        set_source('tool = { poetry = { name = "x" } }\n', "ca", "https://n/simple/", "primary", options)
    assert str(raised.value).endswith(
        '(its layout of [[tool.poetry.source]] or [tool.poetry-codeartifact] is unusual); it was left as it was. Add '
        'the source by hand: [[tool.poetry.source]] with name = "ca", url = "https://n/simple/" and priority = '
        '"primary"' + by_hand)


# -- files tomlkit writes back as they were: the new tables' spacing and line ends (exact results) --

TOMLKIT_EDITS = {
    "an empty file": ("", M, '[[tool.poetry.source]]\nname = "ca"\nurl = "https://n/simple/"\npriority = "primary"\n\n'
                      '[tool.poetry-codeartifact.sources.ca]\ndomain = "acme"\ndomain-owner = "111122223333"\n'
                      'region = "eu-west-1"\n'),
    "a file of one blank line": ("\n", {}, '[[tool.poetry.source]]\nname = "ca"\nurl = "https://n/simple/"\n'
                                 'priority = "primary"\n'),
    "an inline source array without a final line break": (
        '[tool.poetry]\nsource = [{name = "ca", url = "u"}]', {"domain": "acme"},
        '[tool.poetry]\nsource = [{name = "ca", url = "https://n/simple/", priority = "primary"}]\n\n'
        '[tool.poetry-codeartifact.sources.ca]\ndomain = "acme"\n'),
    "no final line break": ('[tool.poetry]\nname = "x"', {}, '[tool.poetry]\nname = "x"\n\n[[tool.poetry.source]]\n'
                            'name = "ca"\nurl = "https://n/simple/"\npriority = "primary"\n'),
    "a blank line before each new table, none after the last": (
        '[tool.poetry]\nname = "x"\n', M, '[tool.poetry]\nname = "x"\n\n[[tool.poetry.source]]\nname = "ca"\n'
        'url = "https://n/simple/"\npriority = "primary"\n\n[tool.poetry-codeartifact.sources.ca]\ndomain = "acme"\n'
        'domain-owner = "111122223333"\nregion = "eu-west-1"\n'),
    "a final blank line is kept": ('[tool.poetry]\nname = "x"\n\n', {}, '[tool.poetry]\nname = "x"\n\n'
                                   '[[tool.poetry.source]]\nname = "ca"\nurl = "https://n/simple/"\n'
                                   'priority = "primary"\n\n'),
    "mixed line ends stay mixed": ("a = 1\r\nb = 2\n", {}, 'a = 1\r\nb = 2\n\n[[tool.poetry.source]]\nname = "ca"\n'
                                   'url = "https://n/simple/"\npriority = "primary"\n'),
    "CRLF stays CRLF": ('[tool.poetry]\r\nname = "x"\r\n', {"region": "eu-west-1"},
                        '[tool.poetry]\r\nname = "x"\r\n\r\n[[tool.poetry.source]]\r\nname = "ca"\r\n'
                        'url = "https://n/simple/"\r\npriority = "primary"\r\n\r\n'
                        '[tool.poetry-codeartifact.sources.ca]\r\nregion = "eu-west-1"\r\n'),
    "tool.poetry as dotted keys: both tables as text, one blank line apart": (
        '[tool]\npoetry.name = "x"\n', {"domain": "acme"}, '[tool]\npoetry.name = "x"\n\n'
        '[tool.poetry-codeartifact.sources.ca]\ndomain = "acme"\n\n[[tool.poetry.source]]\nname = "ca"\n'
        'url = "https://n/simple/"\npriority = "primary"\n'),
}


@pytest.mark.parametrize(("text", "options", "expected"), TOMLKIT_EDITS.values(), ids=TOMLKIT_EDITS.keys())
def test_new_tables_are_spaced_like_the_others(text: str, options: dict[str, object], expected: str) -> None:
    out = set_source(text, "ca", "https://n/simple/", "primary", options)
    assert out == expected
    _data_oracle(text, out, "ca", "https://n/simple/", "primary", options)


# -- line edits where a line of another table looks like the target's (exact results) --------

CA_UPDATED = SPREAD.replace('url = "https://ca.example/simple/"\n',
                            'url = "https://n.example/simple/"\npriority = "explicit"\n')
SCRIPT = SPREAD.replace('python = ">=3.10"\n\n', 'python = ">=3.10"\n\n[tool.poetry.scripts]\nname = "new"\n')
DOTTED_ELSEWHERE = '\n[tool.other]\nsources.x.y = 1\n'
INLINE_OURS = '[tool.poetry-codeartifact]\nsources = { corp = { profile = "p" } }\n'
INLINE_OURS_AFTER = '[tool.poetry-codeartifact]\nsources = { corp = { profile = "p" }, ca = {profile = "dev"}}\n'
SAME_NAME_ELSEWHERE = '\n[tool.other]\nca = { profile = "x" }\n'
BY_NAME = '[tool.poetry-codeartifact.sources]\ncorp = { profile = "p" }\n'
LOOKALIKES = {
    "the project is named like the new source": (SPREAD.replace('name = "app"', 'name = "new"'), "new", {},
                                                 SPREAD.replace('name = "app"', 'name = "new"') + NEW_ENTRY),
    "a script called name right before an entry": (SCRIPT, "new", {}, SCRIPT + NEW_ENTRY),
    "an entry whose name is not a string": (SPREAD.replace('name = "corp"', 'name = ["new"]'), "new", {},
                                             SPREAD.replace('name = "corp"', 'name = ["new"]') + NEW_ENTRY),
    "an entry without url": (SPREAD.replace('url = "https://ca.example/simple/"\n', ""), "ca", {}, CA_UPDATED),
    "the last entry ends the file without a line break": (SPREAD.rstrip("\n"), "ca", {}, CA_UPDATED),
    "no final line break and a new mapping table": (
        SPREAD.rstrip("\n"), "ca", {"profile": "dev"},
        CA_UPDATED + '\n[tool.poetry-codeartifact.sources.ca]\nprofile = "dev"\n'),
    "another table's dotted sources keys before an inline mapping": (
        SPREAD + DOTTED_ELSEWHERE + "\n" + INLINE_OURS, "ca", {"profile": "dev"},
        CA_UPDATED + DOTTED_ELSEWHERE + "\n" + INLINE_OURS_AFTER),
    "the same, right before its header": (
        SPREAD + DOTTED_ELSEWHERE + INLINE_OURS, "ca", {"profile": "dev"},
        CA_UPDATED + DOTTED_ELSEWHERE + INLINE_OURS_AFTER),
    "another table's inline entry of the same name": (
        SPREAD + SAME_NAME_ELSEWHERE + "\n" + BY_NAME, "ca", {"profile": "dev"},
        CA_UPDATED + SAME_NAME_ELSEWHERE + "\n" + BY_NAME + 'ca = {profile = "dev"}\n'),
    "the same, right before its header ": (
        SPREAD + SAME_NAME_ELSEWHERE + BY_NAME, "ca", {"profile": "dev"},
        CA_UPDATED + SAME_NAME_ELSEWHERE + BY_NAME + 'ca = {profile = "dev"}\n'),
}


@pytest.mark.parametrize(("text", "name", "options", "expected"), LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_a_line_of_another_table_is_never_taken_for_the_targets(
    text: str, name: str, options: dict[str, object], expected: str
) -> None:
    test_line_edits_of_a_file_tomlkit_would_reorder(text, name, options, expected)
