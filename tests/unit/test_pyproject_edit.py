from __future__ import annotations

import sys

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poetry_codeartifact.pyproject_edit import EditError, set_source

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

NAMES = ("corp", "ca", "mirror")
MAPPING = {"domain": "acme", "domain-owner": "111122223333", "region": "eu-west-1"}


def _entry_lines(name: str, url: str, priority: str | None, comment: bool) -> list[str]:
    lines = [f'name = "{name}"', f'url = "{url}"' + ("  # the index" if comment else "")]
    if priority:
        lines.append(f'priority = "{priority}"')
    return lines


@st.composite
def layouts(draw: st.DrawFn) -> str:
    """pyproject.toml texts in the layouts TOML allows for sources and mapping tables."""
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    sources = [(n, f"https://{n}.example/simple/", draw(st.sampled_from([None, "primary", "explicit"])),
                draw(st.booleans())) for n in names]
    style = draw(st.sampled_from(["aot", "inline", "inline-multiline"]))
    mapped = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=2))
    map_style = draw(st.sampled_from(["tables", "dotted", "inline", "sub-inline"]))
    blocks: list[list[str]] = [["# a project", "[tool.poetry]", 'name = "app"', 'version = "0.1.0"']]
    if sources and style == "inline":
        items = ", ".join("{ " + ", ".join(_entry_lines(n, u, p, False)) + " }" for n, u, p, _ in sources)
        blocks[0].append(f"source = [{items}]")
    elif sources and style == "inline-multiline":
        blocks[0].append("source = [")
        blocks[0] += ["    { " + ", ".join(_entry_lines(n, u, p, False)) + " }," for n, u, p, _ in sources]
        blocks[0].append("]")
    elif sources:
        blocks += [["[[tool.poetry.source]]", *_entry_lines(n, u, p, c)] for n, u, p, c in sources]
    others = [["[tool.black]", "line-length = 100  # keep"],
              ["[build-system]", 'requires = ["poetry-core>=1.0"]', 'build-backend = "poetry.core.masonry.api"']]
    if mapped:
        values = {n: dict(MAPPING, profile=f"p-{n}") for n in mapped}
        if map_style == "tables":
            mapping = [[f"[tool.poetry-codeartifact.sources.{n}]", *(f'{k} = "{v}"' for k, v in t.items())]
                       for n, t in values.items()]
        elif map_style == "dotted":
            mapping = [["[tool.poetry-codeartifact]", "# per source",
                        *(f'sources.{n}.{k} = "{v}"' for n, t in values.items() for k, v in t.items())]]
        elif map_style == "inline":
            inner = ", ".join(f"{n} = {{ " + ", ".join(f'{k} = "{v}"' for k, v in t.items()) + " }"
                              for n, t in values.items())
            mapping = [["[tool.poetry-codeartifact]", f"sources = {{ {inner} }}"]]
        else:
            mapping = [["[tool.poetry-codeartifact.sources]",
                        *(f"{n} = {{ " + ", ".join(f'{k} = "{v}"' for k, v in t.items()) + " }"
                          for n, t in values.items())]]
        others += mapping
    blocks += draw(st.permutations(others))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = (newline * 2).join(newline.join(block) for block in blocks)
    return text + (newline if draw(st.booleans()) else "")


def _oracle(text: str, name: str, url: str, priority: str, options: dict[str, object]) -> dict[str, object]:
    data = tomllib.loads(text)
    poetry = data.setdefault("tool", {}).setdefault("poetry", {})
    entries = poetry.setdefault("source", [])
    entry = next((e for e in entries if e["name"] == name), None)
    if entry is None:
        entries.append({"name": name, "url": url, "priority": priority})
    else:
        entry.update(url=url, priority=priority)
    existing = data["tool"].get("poetry-codeartifact", {}).get("sources", {}).get(name)
    if existing is None and any(v is not None for v in options.values()):
        existing = data["tool"].setdefault("poetry-codeartifact", {}).setdefault("sources", {}).setdefault(name, {})
    for key, value in options.items() if existing is not None else ():
        if value is None:
            existing.pop(key, None)
        else:
            existing[key] = value
    return data


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
    assert tomllib.loads(out) == _oracle(text, name, url, priority, options)
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (line.startswith("[") and "poetry.source" not in line):
            assert line in out.splitlines(), line  # comments and other tables stay where they were
    if "\r\n" in text:
        assert "\n" not in out.replace("\r\n", "")  # no LF mixed into a CRLF file
    lines = out.splitlines()
    assert all(lines[i + 1].strip() for i, line in enumerate(lines[:-1]) if line.startswith("["))  # no gap
    assert all(not lines[i - 1].strip() for i, line in enumerate(lines) if i and line.startswith("[tool.poetry-"))
    if "source = [" in text and "[[tool.poetry.source]]" not in text:
        assert "[[tool.poetry.source]]" not in out  # an inline array stays inline


def test_a_layout_that_cannot_be_edited_is_refused_with_the_lines_to_add() -> None:
    text = '[tool]\npoetry = { name = "x", source = "not an array" }\n'
    with pytest.raises(EditError, match=r"tool.poetry.source in pyproject.toml is not an array"):
        set_source(text, "ca", "https://n/simple/", "primary", None)


def test_invalid_toml_is_refused() -> None:
    with pytest.raises(EditError, match="not valid TOML"):
        set_source("[tool.poetry\n", "ca", "https://n/simple/", "primary", None)
