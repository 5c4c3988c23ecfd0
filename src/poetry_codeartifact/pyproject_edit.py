"""Editing pyproject.toml in place: one ``[[tool.poetry.source]]`` entry and its
``[tool.poetry-codeartifact.sources.<name>]`` table, every other byte kept as it was.

``poetry source add`` rewrites the whole source array (dropping unknown keys, adding blank
lines); this module changes only the entry it is asked to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping


def set_source(
    text: str,
    name: str,
    url: str,
    priority: str,
    options: Mapping[str, Any] | None,
) -> str:
    """Add or update source ``name``; set (or remove, when None) its options table.

    ``options`` maps keys of ``[tool.poetry-codeartifact.sources.<name>]`` to values; a value
    of None removes that key; an empty mapping leaves an existing table alone.
    """
    import tomlkit
    from tomlkit.items import AoT, Table

    doc = tomlkit.parse(text)
    tool = doc.get("tool")
    if tool is None:
        tool = tomlkit.table(is_super_table=True)
        doc["tool"] = tool
    poetry = tool.get("poetry")
    if poetry is None:
        poetry = tomlkit.table()
        tool["poetry"] = poetry

    sources = poetry.get("source")
    entry = None
    if isinstance(sources, (AoT, list)):
        entry = next((s for s in sources if s.get("name") == name), None)
    if entry is None:
        entry = tomlkit.table()
        entry["name"] = name
        entry["url"] = url
        entry["priority"] = priority
        entry.add(tomlkit.nl())
        if sources is None:
            poetry.append("source", tomlkit.aot())
            sources = poetry["source"]
        sources.append(entry)
    else:
        entry["url"] = url
        entry["priority"] = priority
        for legacy in ("default", "secondary"):  # replaced by `priority` since Poetry 1.5
            if legacy in entry:
                del entry[legacy]

    wanted = {key: value for key, value in (options or {}).items()}
    if wanted:
        ours = tool.get("poetry-codeartifact")
        if ours is None:
            ours = tomlkit.table(is_super_table=True)
            tool["poetry-codeartifact"] = ours
        table_of_sources = ours.get("sources")
        if table_of_sources is None:
            table_of_sources = tomlkit.table(is_super_table=True)
            ours["sources"] = table_of_sources
        existing = table_of_sources.get(name)
        created = not isinstance(existing, Table)
        table: Table = existing if isinstance(existing, Table) else tomlkit.table()
        for key, value in wanted.items():
            if value is None:
                if key in table:
                    del table[key]
            else:
                table[key] = value
        if created:
            table.add(tomlkit.nl())  # a blank line before whatever table follows
            table_of_sources[name] = table
    return tomlkit.dumps(doc)
