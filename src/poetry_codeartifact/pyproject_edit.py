"""Editing pyproject.toml in place: one ``[[tool.poetry.source]]`` entry and its
``[tool.poetry-codeartifact.sources.<name>]`` table, every other byte kept as it was.

``poetry source add`` rewrites the whole source array (dropping unknown keys, adding blank
lines); this module changes only the entry it is asked to, in the file's own style: an array of
tables stays one, an inline array or inline table gets an inline entry, dotted keys get dotted
keys, CRLF stays CRLF. Each edit is checked before it is returned: the result must parse and
hold exactly the data of the original plus the change. When no way of writing it passes that
check, :class:`EditError` says what to add by hand and nothing is written.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, InlineTable

from poetry_codeartifact.errors import CodeArtifactError
from poetry_codeartifact.settings import toml_loads

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from tomlkit import TOMLDocument

LEGACY = ("default", "secondary")  # replaced by `priority` since Poetry 1.5


class EditError(CodeArtifactError):
    """pyproject.toml cannot be edited safely; nothing was written."""


def set_source(
    text: str,
    name: str,
    url: str,
    priority: str,
    options: Mapping[str, Any] | None,
) -> str:
    """Add or update source ``name``; set (or remove, when None) keys of its options table.

    ``options`` maps keys of ``[tool.poetry-codeartifact.sources.<name>]`` to values; a value
    of None removes that key; an empty mapping leaves an existing table alone.
    """

    original = _loads(text)
    expected = _expected(original, name, url, priority, dict(options or {}))
    crlf = "\r\n" in text and "\n" not in text.replace("\r\n", "")
    source_ways: list[Callable[[TOMLDocument], None]] = [
        lambda doc: _source_in_place(doc, name, url, priority),
        lambda doc: _source_as_new_table(doc, name, url, priority),
    ]
    option_ways: list[Callable[[TOMLDocument], None]] = [
        lambda doc: _options_in_place(doc, name, dict(options or {})),
        lambda doc: _options_as_dotted_keys(doc, name, dict(options or {})),
        lambda doc: _options_as_new_table(doc, name, dict(options or {})),
    ]
    for add_source in source_ways:
        for add_options in option_ways:
            try:
                doc = tomlkit.parse(text)
                add_source(doc)
                add_options(doc)
                result = tomlkit.dumps(doc)
            except (TOMLKitError, _Skip, KeyError, TypeError, ValueError):
                continue
            header = f"[tool.poetry-codeartifact.sources.{name}]"
            if header not in text:  # a new table: a blank line before it, as between the others
                result = re.sub(rf"(?<=[^\n])\n(?={re.escape(header)})", "\n\n", result)
            if crlf:
                result = result.replace("\r\n", "\n").replace("\n", "\r\n")
            try:
                if _loads(result) == expected:
                    return result
            except EditError:
                continue
    raise EditError(
        "Could not edit pyproject.toml in place without changing anything else (its layout of "
        "[[tool.poetry.source]] or [tool.poetry-codeartifact] is unusual); it was left as it was. "
        f"Add the source by hand: [[tool.poetry.source]] with name = \"{name}\", url = \"{url}\" and priority = "
        f"\"{priority}\"" + (f", and [tool.poetry-codeartifact.sources.{name}] with {_describe(options)}." if options
                             else ".")
    )


class _Skip(Exception):
    """This way of writing the edit does not apply to the document's layout."""


def _loads(text: str) -> dict[str, Any]:
    try:
        return toml_loads(text)
    except ValueError as error:
        raise EditError(f"pyproject.toml is not valid TOML ({error}); it was left as it was.") from error


def _describe(options: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{key} = {value!r}" for key, value in (options or {}).items() if value is not None)


# -- the intended result, as plain data ------------------------------------------------------


def _expected(data: dict[str, Any], name: str, url: str, priority: str, options: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    poetry = data.setdefault("tool", {}).setdefault("poetry", {})
    sources = poetry.setdefault("source", [])
    if not isinstance(sources, list):
        raise EditError("tool.poetry.source in pyproject.toml is not an array; it was left as it was.")
    entry = next((s for s in sources if isinstance(s, dict) and s.get("name") == name), None)
    if entry is None:
        sources.append({"name": name, "url": url, "priority": priority})
    else:
        entry.update(url=url, priority=priority)
        for legacy in LEGACY:
            entry.pop(legacy, None)
    table = data["tool"].get("poetry-codeartifact", {}).get("sources", {}).get(name)
    if table is None and any(value is not None for value in options.values()):
        table = data["tool"].setdefault("poetry-codeartifact", {}).setdefault("sources", {}).setdefault(name, {})
    for key, value in options.items() if table is not None else ():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return data


# -- ways of writing the source entry --------------------------------------------------------


def _poetry_table(doc: TOMLDocument, create: bool = True) -> Any:
    tool = doc.get("tool")
    if tool is None:
        if not create:
            raise _Skip
        tool = tomlkit.table(is_super_table=True)
        doc["tool"] = tool
    poetry = tool.get("poetry")
    if poetry is None:
        if not create:
            raise _Skip
        poetry = tomlkit.table()
        tool["poetry"] = poetry
    return poetry


def _source_in_place(doc: TOMLDocument, name: str, url: str, priority: str) -> None:
    """Update the entry where it is, or add one to the array in the array's own style."""

    poetry = _poetry_table(doc)
    sources = poetry.get("source")
    entry = next((s for s in sources if s.get("name") == name), None) if isinstance(sources, (AoT, Array)) else None
    if entry is not None:
        entry["url"] = url
        entry["priority"] = priority
        for legacy in LEGACY:
            if legacy in entry:
                del entry[legacy]
        return
    if isinstance(sources, Array):  # source = [{ name = ..., url = ... }]
        new = tomlkit.inline_table()
        new.update({"name": name, "url": url, "priority": priority})
        sources.append(new)
        return
    table = tomlkit.table()
    table.update({"name": name, "url": url, "priority": priority})
    table.add(tomlkit.nl())
    if sources is None:
        poetry.append("source", tomlkit.aot())
        sources = poetry["source"]
    if not isinstance(sources, AoT):
        raise _Skip
    sources.append(table)


def _source_as_new_table(doc: TOMLDocument, name: str, url: str, priority: str) -> None:
    """A ``[[tool.poetry.source]]`` table at the end of the file (when the array of tables is
    spread over the file, or ``tool.poetry`` is written with dotted keys)."""

    table = tomlkit.table()
    table.update({"name": name, "url": url, "priority": priority})
    aot = tomlkit.aot()
    aot.append(table)
    doc.append(tomlkit.key(["tool", "poetry", "source"]), aot)


# -- ways of writing the options table -------------------------------------------------------


def _options_in_place(doc: TOMLDocument, name: str, options: dict[str, Any]) -> None:
    """Keys set in the table where it is (table, inline table or dotted keys alike), or a new
    table in the style of its siblings."""

    if not any(value is not None for value in options.values()):
        return _remove_keys(doc, name, options)
    tool = doc["tool"]
    ours = tool.get("poetry-codeartifact")
    if ours is None:
        ours = tomlkit.table(is_super_table=True)
        tool["poetry-codeartifact"] = ours
    sources = ours.get("sources")
    if sources is None:
        sources = tomlkit.inline_table() if isinstance(ours, InlineTable) else tomlkit.table(is_super_table=True)
        ours["sources"] = sources
    entry = sources.get(name)
    if entry is None:
        entry = tomlkit.inline_table() if isinstance(sources, InlineTable) else tomlkit.table()
        _apply(entry, options)
        if not isinstance(entry, InlineTable):
            entry.add(tomlkit.nl())  # a blank line before whatever table follows
        sources[name] = entry
        return
    _apply(entry, options)


def _options_as_dotted_keys(doc: TOMLDocument, name: str, options: dict[str, Any]) -> None:
    """``sources.<name>.<key> = value`` lines in ``[tool.poetry-codeartifact]`` (where the file
    writes its sources with dotted keys)."""

    ours = doc["tool"].get("poetry-codeartifact")
    if ours is None or "sources" not in ours or name in ours["sources"]:
        raise _Skip
    if not any(value is not None for value in options.values()):
        raise _Skip
    for key, value in options.items():
        if value is not None:
            ours.append(tomlkit.key(["sources", name, key]), value)


def _options_as_new_table(doc: TOMLDocument, name: str, options: dict[str, Any]) -> None:
    """A ``[tool.poetry-codeartifact.sources.<name>]`` table at the end of the file."""

    if not any(value is not None for value in options.values()):
        raise _Skip
    table = tomlkit.table()
    _apply(table, options)
    doc.append(tomlkit.key(["tool", "poetry-codeartifact", "sources", name]), table)


def _remove_keys(doc: TOMLDocument, name: str, options: dict[str, Any]) -> None:
    entry = doc["tool"].get("poetry-codeartifact", {}).get("sources", {}).get(name)
    if entry is not None:
        _apply(entry, options)


def _apply(table: Any, options: dict[str, Any]) -> None:
    for key, value in options.items():
        if value is None:
            if key in table:
                del table[key]
        else:
            table[key] = value
