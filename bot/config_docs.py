"""The config's documentation, generated from its models: config.example.toml and a JSON Schema.

Field docstrings become the comments, defaults the values and a field's `examples` commented-out
lines, so the example can't drift from what Hearth reads. `hearth config example` and
`hearth config schema` print them; tests check the checked-in copies are current.
"""

from __future__ import annotations

import json
import re
import textwrap
import types
import typing
from datetime import date, datetime, time
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from bot.settings import TemplateFields

WIDTH = 100
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


# -- the example TOML ------------------------------------------------------------------------


def example_toml(schema: type[BaseModel], schema_file: str | None = None) -> str:
    """Every key of `schema` with its default, its description as comments. With `schema_file`,
    a first line points TOML editors (Taplo and those built on it) at the JSON Schema."""
    lines: list[str] = [f"#:schema {schema_file}"] if schema_file else []
    _comment(lines, schema.__doc__)
    _body(lines, schema, schema().model_dump(), (), documented=True)
    return "\n".join(lines).rstrip("\n") + "\n"


def _body(lines: list[str], model: type[BaseModel], values: dict[str, Any],
          path: tuple[str, ...], documented: bool) -> None:
    """A table's own keys, then its sub-tables (TOML needs them in that order)."""
    later: list[tuple[str, FieldInfo, Any]] = []
    for name, info in model.model_fields.items():
        value = values.get(name)
        if _table_like(info, value) or not path:
            later.append((name, info, value))
            continue
        if documented:
            _describe(lines, info)
            for example in info.examples or []:
                prefix = "" if value is None else "e.g. "
                lines.append(f"# {prefix}{_key(name)} = {_value(example)}")
        if value is not None:
            lines.append(f"{_key(name)} = {_value(value)}")
    for name, info, value in later:
        where = (*path, name)
        sub = _model_in(info.annotation)
        if isinstance(value, list):
            _array_of_tables(lines, sub, value, where, info, documented)
        elif sub is not None:
            _table(lines, where, [info.description, sub.__doc__] if documented else [])
            _body(lines, sub, value, where, documented)
        elif value:
            _table(lines, where, [info.description] if documented else [])
            lines.extend(f"{_key(k)} = {_value(v)}" for k, v in value.items())
        elif documented:
            # An empty table at the top (per-community overrides): only its explanation and
            # examples, commented out, since an empty [table] would say nothing.
            _blank(lines)
            _comment(lines, info.description)
            for example in info.examples or []:
                lines.extend(f"# {line}" if line else "#" for line in _tables(example, where))


def _table_like(info: FieldInfo, value: Any) -> bool:
    if _model_in(info.annotation) is not None:
        return not (isinstance(value, list) and not value)
    return isinstance(value, dict) and bool(value)


def _blank(lines: list[str]) -> None:
    if lines and lines[-1]:
        lines.append("")


def _table(lines: list[str], path: tuple[str, ...], notes: list[str | None]) -> None:
    _blank(lines)
    lines.append(f"[{_dotted(path)}]")
    before = len(lines)
    for note in notes:
        _comment(lines, note)
    if len(lines) > before:
        _blank(lines)  # the table's explanation, apart from its first key's


def _array_of_tables(lines: list[str], item: type[BaseModel] | None, values: list[Any],
                     path: tuple[str, ...], info: FieldInfo, documented: bool) -> None:
    if documented:
        _blank(lines)
        _comment(lines, info.description)
        if item is not None:
            _comment(lines, item.__doc__)
            lines.append(f"# Each [[{_dotted(path)}]] has:")
            for name, field in item.model_fields.items():
                fallback = None if field.is_required() else field.get_default(
                    call_default_factory=True)
                shown = ("required" if field.is_required() else "optional" if fallback is None
                         else f"default {_value(fallback)}")
                text = f"{name} ({shown}): {_one_line(field.description or '')}"
                fields = _template_fields(field)
                if fields is not None:
                    text += f" Fields: {fields.shown()}"
                lines.extend(textwrap.wrap(text, WIDTH, initial_indent="#   ",
                                           subsequent_indent="#     ", break_long_words=False,
                                           break_on_hyphens=False))
    for value in values:
        lines.append(f"[[{_dotted(path)}]]")
        if item is not None:
            _body(lines, item, value, path, documented=False)
        _blank(lines)


def _describe(lines: list[str], info: FieldInfo) -> None:
    _comment(lines, info.description)
    fields = _template_fields(info)
    if fields is not None:
        _comment(lines, f"Fields: {fields.shown()}")


def _template_fields(info: FieldInfo) -> TemplateFields | None:
    return next((m for m in info.metadata if isinstance(m, TemplateFields)), None)


def _comment(lines: list[str], text: str | None) -> None:
    if not text:
        return
    for i, paragraph in enumerate(re.split(r"\n\s*\n", text.strip())):
        if i:
            lines.append("#")
        lines.extend(textwrap.wrap(_one_line(paragraph), WIDTH, initial_indent="# ",
                                   subsequent_indent="# ", break_long_words=False,
                                   break_on_hyphens=False))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tables(value: dict[str, Any], path: tuple[str, ...]) -> list[str]:
    """A nested dict as TOML tables under `path` (for commented-out examples)."""
    out: list[str] = []
    scalars = {k: v for k, v in value.items() if not isinstance(v, dict)}
    if scalars:
        out.append(f"[{_dotted(path)}]")
        out.extend(f"{_key(k)} = {_value(v)}" for k, v in scalars.items())
    for k, v in value.items():
        if isinstance(v, dict):
            out.extend(_tables(v, (*path, k)))
    return out


def _dotted(path: tuple[str, ...]) -> str:
    return ".".join(_key(part) for part in path)


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        items = [_value(v) for v in value]
        inline = "[" + ", ".join(items) + "]"
        if len(inline) <= WIDTH - 30 and not any("\n" in i for i in items):
            return inline
        if all(len(i) < 40 for i in items):
            return "[\n" + "".join(f"  {line}\n" for line in _packed(items)) + "]"
        return "[\n" + "".join(f"  {i},\n" for i in items) + "]"
    raise TypeError(f"can't write {type(value).__name__} in TOML")


def _packed(items: list[str]) -> list[str]:
    """Short items (the tone check's word lists) several to a line, each line ending in a comma."""
    lines = [""]
    for item in items:
        if lines[-1] and len(lines[-1]) + len(item) + 2 > WIDTH - 2:
            lines.append("")
        lines[-1] += f" {item}," if lines[-1] else f"{item},"
    return lines


def _text(value: str) -> str:
    """A TOML basic string; a multi-line one when the text has line breaks inside."""
    if "\n" not in value.strip("\n") or value.startswith("\n"):
        return _string(value)
    # Inside """ quotes a lone " needs no escape; a run of three, or one before the end, does.
    body = "\n".join(_string(part)[1:-1].replace('\\"', '"') for part in value.split("\n"))
    body = body.replace('"""', '""\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return '"""' + body + '"""'


def _string(value: str) -> str:
    # JSON's escapes are all valid in TOML basic strings; TOML also wants DEL escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model of a field typed Model, list[Model] or Model | None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


# -- the JSON Schema -------------------------------------------------------------------------


def json_schema(schema: type[BaseModel], global_sections: tuple[str, ...]) -> dict[str, Any]:
    """A JSON Schema of the whole config, for editors that check TOML. It says draft 7, which
    TOML editors understand; nothing in it needs a later draft."""
    out = schema.model_json_schema()
    properties = out["properties"]
    # Per-community overrides take any section but the global ones, each key optional.
    overridable = {name: prop for name, prop in properties.items()
                   if name not in (*global_sections, "communities")}
    communities = properties["communities"]
    properties["communities"] = {
        "type": "object",
        "description": communities.get("description", ""),
        "default": {},
        "propertyNames": {"pattern": "^(discord|slack|console):.+$"},
        "additionalProperties": {"type": "object", "properties": overridable,
                                 "additionalProperties": False},
    }
    _polish(out, _models(schema))
    return {"$schema": "http://json-schema.org/draft-07/schema#", **out,
            "title": "Hearth config"}


def _models(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """Every model in the config by class name, the way the schema's $defs name them."""
    found = {model.__name__: model}
    for info in model.model_fields.values():
        sub = _model_in(info.annotation)
        if sub is not None and sub.__name__ not in found:
            found |= _models(sub)
    return found


def _polish(out: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """Descriptions as flowing text (editors wrap them), and a message's own description
    still says which fields it takes."""
    for name, definition in [("", out), *out.get("$defs", {}).items()]:
        model = models.get(name) if name else None
        for key, prop in definition.get("properties", {}).items():
            info = model.model_fields.get(key) if model is not None else None
            fields = _template_fields(info) if info is not None else None
            if fields is not None and info is not None and info.description:
                prop["description"] = f"{info.description} Fields: {fields.shown()}"
            if "description" in prop:
                prop["description"] = _flowing(prop["description"])
        if "description" in definition:
            definition["description"] = _flowing(definition["description"])


def _flowing(text: str) -> str:
    return "\n\n".join(_one_line(p) for p in re.split(r"\n\s*\n", text.strip()))


def schema_json(schema: type[BaseModel], global_sections: tuple[str, ...]) -> str:
    return json.dumps(json_schema(schema, global_sections), indent=2, ensure_ascii=False) + "\n"
