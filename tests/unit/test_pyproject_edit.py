from __future__ import annotations

import tomlkit

from poetry_codeartifact.pyproject_edit import set_source

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
