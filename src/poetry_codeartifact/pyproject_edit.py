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
    if tomlkit.dumps(tomlkit.parse(text)) != text:
        # tomlkit would move tables (an array of tables with another table between its entries):
        # edit the lines themselves, where the layout allows it.
        try:
            result = _edit_as_text(text, name, url, priority, dict(options or {}))
            if _loads(result) == expected:
                return result
        except (_Skip, EditError):
            pass
    values = {key: value for key, value in dict(options or {}).items() if value is not None}
    # The last way of each writes a new table as text at the end of the file: tomlkit cannot add
    # a table where the file writes ``tool.poetry`` or ``tool`` with dotted keys.
    source_ways: list[Callable[[TOMLDocument], str | None]] = [
        lambda doc: _source_in_place(doc, name, url, priority),
        lambda _doc: _table_text("[[tool.poetry.source]]", {"name": name, "url": url, "priority": priority}),
    ]
    option_ways: list[Callable[[TOMLDocument], str | None]] = [
        lambda doc: _options_in_place(doc, name, dict(options or {})),
        lambda doc: _options_as_dotted_keys(doc, name, dict(options or {})),
        lambda _doc: _table_text(f"[tool.poetry-codeartifact.sources.{name}]", values) if values else _skip(),
    ]
    for add_source in source_ways:
        for add_options in option_ways:
            try:
                doc = tomlkit.parse(text)
                tail = (add_source(doc) or "") + (add_options(doc) or "")
                result = tomlkit.dumps(doc)
            except (TOMLKitError, _Skip, KeyError, TypeError, ValueError, AttributeError):
                continue  # AttributeError: tomlkit's proxy for a table written out of order
            result = _space_new_tables(text, result + ("\n" + tail if tail else ""), name)
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
        f"\"{priority}\"{_describe(name, dict(options or {}))}."
    )


def _space_new_tables(text: str, result: str, name: str) -> str:
    """One blank line before each table the edit added, as between the others (none at the top
    of the file), and no blank line added at the end of a file that ended without one."""
    for header in ("[[tool.poetry.source]]", f"[tool.poetry-codeartifact.sources.{name}]"):
        if header not in text:
            result = re.sub(rf"(?<=[^\n])\n+(?={re.escape(header)})", "\n\n", result)
            result = re.sub(rf"\A\n+(?={re.escape(header)})", "", result)
    while result.endswith("\n\n") and not re.search(r"\n\r?\n\Z", text):
        result = result[:-1]
    return result


class _Skip(Exception):
    """This way of writing the edit does not apply to the document's layout."""


def _skip() -> str:
    raise _Skip


def _table_text(header: str, values: Mapping[str, Any]) -> str:
    """A table appended to the file as text, after a blank line."""
    lines = [header, *(f"{tomlkit.key(key).as_string()} = {tomlkit.item(value).as_string()}"
                       for key, value in values.items())]
    return "\n" + "\n".join(lines) + "\n"


def _loads(text: str) -> dict[str, Any]:
    try:
        return toml_loads(text)
    except ValueError as error:
        hint = (" It starts with a UTF-8 byte-order mark, which Poetry cannot read: save it as UTF-8 without BOM."
                if text.startswith("\ufeff") else "")
        raise EditError(f"pyproject.toml is not valid TOML ({error}); it was left as it was.{hint}") from error


def _describe(name: str, options: dict[str, Any]) -> str:
    """The options table's part of the lines to write by hand, as TOML."""
    values = ", ".join(f"{key} = {tomlkit.item(value).as_string()}"
                       for key, value in options.items() if value is not None)
    dropped = ", ".join(key for key, value in options.items() if value is None)
    parts = [f"{word} {keys}" for word, keys in (("with", values), ("without", dropped)) if keys]
    return f", and [tool.poetry-codeartifact.sources.{name}] {' and '.join(parts)}" if parts else ""


# -- the intended result, as plain data ------------------------------------------------------


def _expected(data: dict[str, Any], name: str, url: str, priority: str, options: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    tool = _table(data, "tool", "tool", create=True)
    poetry = _table(tool, "poetry", "tool.poetry", create=True)
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
    wanted = any(value is not None for value in options.values())  # a table is made only to hold a value
    table = tool
    for key, where in (("poetry-codeartifact", "tool.poetry-codeartifact"),
                       ("sources", "tool.poetry-codeartifact.sources"),
                       (name, f"tool.poetry-codeartifact.sources.{name}")):
        table = _table(table, key, where, create=wanted) if table is not None else None
    for key, value in options.items() if table is not None else ():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return data


def _table(parent: dict[str, Any], key: str, where: str, create: bool) -> Any:
    """``parent[key]``, the table at ``where``: made when missing and ``create``, refused when not a table."""
    value = parent.get(key)
    if value is None and create:
        value = parent[key] = {}
    if value is not None and not isinstance(value, dict):
        raise EditError(f"{where} in pyproject.toml is not a table; it was left as it was.")
    return value


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


# -- editing the lines themselves, for files tomlkit does not write back as they were ----------

_VALUE = r"""(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s#,\]}]+)"""


def _blocks(lines: list[str]) -> list[tuple[str, int, int]]:
    """(header, first line, end) of every table, skipping lines inside multi-line strings; the
    lines before the first header come as header ""."""
    found: list[tuple[str, int]] = [("", 0)]
    in_string = False
    for index, line in enumerate(lines):
        if line.count('"""') % 2 or line.count("'''") % 2:
            in_string = not in_string
        elif not in_string and line.lstrip().startswith("["):
            found.append((line.split("#", 1)[0].strip(), index))
    ends = [index for _, index in found[1:]] + [len(lines)]
    return [(header, first, end) for (header, first), end in zip(found, ends, strict=True)]


def _value(written: str) -> Any:
    """The value a ``key = value`` line holds, or None where it is not one this module reads
    (an array, say: ``_VALUE`` matches only its start)."""
    try:
        return tomlkit.parse(f"v = {written}")["v"]
    except TOMLKitError:
        return None


def _key_line(key: str) -> str:
    """A ``key = value`` line; a dotted ``key`` (``sources.corp.profile``) matches each part bare
    or quoted, with any spaces around the dots."""
    parts = [rf"""(?:{re.escape(part)}|"{re.escape(part)}"|'{re.escape(part)}')""" for part in key.split(".")]
    dotted = r"\s*\.\s*".join(parts)
    return rf"(?P<lead>\s*{dotted}\s*=\s*)(?P<value>{_VALUE})"


def _body_end(lines: list[str], first: int, end: int) -> int:
    """Where a key can be added to a table: after its last line that is not blank."""
    while end > first + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def _set_key(lines: list[str], first: int, end: int, key: str, value: Any, newline: str) -> None:
    rendered = tomlkit.item(value).as_string()
    for index in range(first + 1, end):
        match = re.match(_key_line(key), lines[index])
        if match:
            lines[index] = match["lead"] + rendered + lines[index][match.end():]
            return
    at = _body_end(lines, first, end)
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += newline
    written = ".".join(tomlkit.key(part).as_string() for part in key.split("."))
    lines.insert(at, f"{written} = {rendered}{newline}")


def _drop_key(lines: list[str], first: int, end: int, key: str) -> None:
    for index in range(end - 1, first, -1):
        if re.match(_key_line(key), lines[index]):
            del lines[index]


def _options_as_text(lines: list[str], name: str, options: dict[str, Any], newline: str) -> str:
    """Set the options where the file keeps them (a table, dotted keys, an inline table on one
    line); returns a new table to append when the file has none for ``name``."""
    values = {key: value for key, value in options.items() if value is not None}
    blocks = {header: (first, end) for header, first, end in _blocks(lines)}
    table = blocks.get(f"[tool.poetry-codeartifact.sources.{name}]")
    if table is not None:
        for key, value in reversed(list(options.items())):
            if value is None:
                _drop_key(lines, *table, key)
            else:
                _set_key(lines, *table, key, value, newline)
        return ""
    ours = blocks.get("[tool.poetry-codeartifact]")
    dotted = r"\s*sources\s*\.\s*[\w\"'-]+\s*\."  # sources written as dotted keys, for any name
    if ours is not None and any(re.match(dotted, lines[i]) for i in range(ours[0] + 1, ours[1])):
        for key, value in reversed(list(options.items())):
            prefixed = f"sources.{name}.{key}"
            if value is None:
                _drop_key(lines, *ours, prefixed)
            else:
                _set_key(lines, *ours, prefixed, value, newline)
        return ""
    for header, pattern, path in (
        ("[tool.poetry-codeartifact.sources]", rf"\s*{re.escape(name)}\s*=\s*\{{", [name]),
        ("[tool.poetry-codeartifact]", r"\s*sources\s*=\s*\{", ["sources", name]),
    ):
        span = blocks.get(header)
        index = next((i for i in range(span[0] + 1, span[1]) if re.match(pattern, lines[i])), None) if span else None
        if index is not None:  # an inline table on one line: tomlkit edits that line alone
            line = tomlkit.parse(lines[index])
            target: Any = line
            for step in path:
                if step not in target:
                    if not values:
                        return ""
                    target[step] = tomlkit.inline_table()
                target = target[step]
            _apply(target, options)
            lines[index] = tomlkit.dumps(line)
            return ""
    if not values:
        return ""
    table_of_sources = blocks.get("[tool.poetry-codeartifact.sources]")
    if table_of_sources is not None:  # one inline table per name: one more line in that style
        entry = tomlkit.inline_table()
        entry.update(values)
        at = _body_end(lines, *table_of_sources)
        if not lines[at - 1].endswith("\n"):
            lines[at - 1] += newline
        lines.insert(at, f"{tomlkit.key(name).as_string()} = {entry.as_string()}{newline}")
        return ""
    if "[tool.poetry-codeartifact]" in blocks:
        raise _Skip  # sources kept in another form: the tomlkit ways know them
    return _table_text(f"[tool.poetry-codeartifact.sources.{name}]", values).replace("\n", newline)


def _edit_as_text(text: str, name: str, url: str, priority: str, options: dict[str, Any]) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    tail = _options_as_text(lines, name, options, newline)  # first: it does not move the entry's lines
    named = _key_line("name")
    entries = [b for b in _blocks(lines) if b[0] == "[[tool.poetry.source]]"]
    entry = next((b for b in entries if any(
        (m := re.match(named, lines[i])) and _value(m["value"]) == name
        for i in range(b[1] + 1, b[2]))), None)
    if entry is not None:
        _, first, end = entry
        for legacy in LEGACY:
            _drop_key(lines, first, end, legacy)
        end = next(b[2] for b in _blocks(lines) if b[1] == first)
        _set_key(lines, first, end, "priority", priority, newline)
        _set_key(lines, first, end, "url", url, newline)
    elif entries:  # a new entry after the last one
        _, last_first, last_end = entries[-1]
        at = _body_end(lines, last_first, last_end)
        block = _table_text("[[tool.poetry.source]]", {"name": name, "url": url, "priority": priority})
        if not lines[at - 1].endswith("\n"):
            lines[at - 1] += newline
        lines[at:at] = [line + newline for line in block.split("\n")[:-1]]
    else:
        raise _Skip
    result = "".join(lines)
    if tail:
        result += ("" if result.endswith("\n") else newline) + tail
    return result
