"""MkDocs hook: the configuration and HTTP references, generated from the code at every build.

Written out by hand, both drifted from the pydantic models and routes that define them; generated,
a new setting or route appears in the site with no edit here. Registered in mkdocs.yml (``hooks:``);
tests/test_docs.py imports the same functions to check every setting is documented.
"""

from __future__ import annotations

import html
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin

from pydantic import AliasChoices, AliasPath, BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

REPO_ROOT = Path(__file__).resolve().parents[2]

#: Where the generated pages appear in the site (mkdocs.yml's nav names them).
CONFIGURATION_PAGE = "reference/configuration.md"
HTTP_PAGE = "reference/http-api.md"


def _importable_repo() -> None:
    """``mkdocs build`` runs from the repo root but does not put it on sys.path."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


# --------------------------------------------------------------------------------------------- settings


class SettingRow(NamedTuple):
    """One leaf field of the settings models, as the reference lists it."""

    path: str                 # dotted attribute path from the root Settings, e.g. "pg_pool_size" or "postgres.pool_size"
    env: tuple[str, ...]      # environment variables that set it (first one is the documented name)
    type: str
    default: str
    description: str | None
    group: str                # heading it is listed under
    group_note: str | None = None  # the section field's own description, shown under the heading


def _settings_model() -> type[BaseSettings]:
    _importable_repo()
    from qa.settings import Settings

    return Settings


def _alias_names(field: FieldInfo) -> list[str]:
    """Environment names pydantic-settings reads for a field with an alias (used verbatim, no prefix)."""
    alias = field.validation_alias or field.alias
    if alias is None:
        return []
    choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
    names = []
    for choice in choices:
        if isinstance(choice, AliasPath):
            choice = choice.path[0]
        if isinstance(choice, str):
            names.append(choice)
    return names


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The model class a field holds (also inside ``X | None``), or None for a leaf value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if len(models) == 1 else None
    return None


def _case(name: str, case_sensitive: bool) -> str:
    return name if case_sensitive else name.upper()


def _field_env_names(model: type[BaseModel], name: str, field: FieldInfo, parent: tuple[str, ...],
                     delimiter: str | None, case_sensitive: bool) -> tuple[str, ...]:
    """Environment variables for one field, read the way pydantic-settings reads them.

    A settings class (also one nested as a section) reads its own ``env_prefix`` + name or the field's
    aliases; a plain nested model is reached through its parent's variable and ``env_nested_delimiter``, or by
    its fields' aliases (tests/test_docs.py checks that every name listed really sets its field).
    """
    names: list[str] = []
    if issubclass(model, BaseSettings):
        own = _alias_names(field) or [model.model_config.get("env_prefix", "") + name]
        names += [_case(n, model.model_config.get("case_sensitive", False)) for n in own]
    else:
        names += _alias_names(field)  # a section whose fields keep flat variable names as aliases
    if parent and delimiter:
        key = (_alias_names(field) or [name])[0]
        names += [_case(f"{p}{delimiter}{key}", case_sensitive) for p in parent]
    return tuple(dict.fromkeys(names))


def _type_name(annotation: Any) -> str:
    """A reader's spelling of a field type: ``int``, ``"a" | "b"``, ``list of str``, ``path | str``."""
    if annotation is type(None):
        return "none"
    origin = get_origin(annotation)
    if origin is Literal:
        return " | ".join(json.dumps(a) for a in get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(a) for a in get_args(annotation))
    if origin is typing.Annotated:
        return _type_name(get_args(annotation)[0])
    if origin in (list, tuple, set, frozenset):
        args = get_args(annotation)
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "object"
    if isinstance(annotation, type):
        return "path" if issubclass(annotation, Path) else annotation.__name__
    return str(annotation).replace("typing.", "")


def _code(text: str) -> str:
    """Inline code that survives a table cell: a pipe inside backticks would still end the cell (and an escaped
    one shows its backslash), so such text is written as HTML with the pipe as an entity."""
    if "|" not in text:
        return f"`{text}`"
    return "<code>" + html.escape(text).replace("|", "&#124;") + "</code>"


def _constraints(field: FieldInfo) -> str:
    """Bounds and patterns the model enforces (a value outside them is refused at start)."""
    signs = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "min_length": "length ≥", "max_length": "length ≤"}
    parts = []
    for meta in field.metadata:
        for attr, sign in signs.items():
            value = getattr(meta, attr, None)
            if value is not None:
                parts.append(f"{sign} {value}")
        pattern = getattr(meta, "pattern", None)
        if pattern is not None:
            parts.append(f"matches {_code(pattern)}")
    return ", ".join(parts)


def _default_text(field: FieldInfo) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None or value is PydanticUndefined:
        return "unset"
    if isinstance(value, Path):
        try:
            return f"`<project>/{value.relative_to(REPO_ROOT).as_posix()}`"
        except ValueError:
            return f"`{value}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, BaseModel):
        return "(section)"
    if isinstance(value, (list, dict)):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def _declaring_class(model: type[BaseModel], name: str) -> type:
    """The class in the model's hierarchy that declares a field (fields are grouped by it)."""
    for cls in reversed(model.__mro__):
        if name in getattr(cls, "__annotations__", {}) and issubclass(cls, BaseModel):
            return cls
    return model


def _group_title(cls: type, path: tuple[str, ...]) -> str:
    """A section's heading: its path, or the first words of the class's (else its module's) docstring."""
    where = f"`{cls.__module__}.{cls.__qualname__}`"
    if path:
        return f"Section `{'.'.join(path)}` ({where})"
    doc = cls.__dict__.get("__doc__") or getattr(sys.modules.get(cls.__module__), "__doc__", None) or ""
    summary = doc.strip().splitlines()[0].split(":")[0].rstrip(".") if doc.strip() else ""
    return f"{summary} ({where})" if summary else where


def setting_rows(model: type[BaseModel] | None = None, path: tuple[str, ...] = (),
                 parent_env: tuple[str, ...] = (), delimiter: str | None = None,
                 case_sensitive: bool = False, note: str | None = None) -> list[SettingRow]:
    """Every leaf field of the settings models, nested sections walked, in declaration order."""
    model = model or _settings_model()
    if issubclass(model, BaseSettings) and not path:
        delimiter = model.model_config.get("env_nested_delimiter")
        case_sensitive = model.model_config.get("case_sensitive", False)
    rows: list[SettingRow] = []
    for name, field in model.model_fields.items():
        env = _field_env_names(model, name, field, parent_env, delimiter, case_sensitive)
        nested = _nested_model(field.annotation)
        if nested is not None:
            rows += setting_rows(nested, path + (name,), env, delimiter, case_sensitive, field.description)
            continue
        kind = _type_name(field.annotation)
        bounds = _constraints(field)
        rows.append(SettingRow(
            path=".".join(path + (name,)),
            env=env,
            type=f"{kind} ({bounds})" if bounds else kind,
            default=_default_text(field),
            description=(field.description or "").strip() or None,
            group=_group_title(_declaring_class(model, name) if not path else model, path),
            group_note=note,
        ))
    return rows


def _cell(text: str) -> str:
    """Markdown table cell: pipes and line breaks would end the cell early."""
    return text.replace("|", "\\|").replace("\n", " ")


def anchor(env_name: str) -> str:
    """The id each variable's row carries, so guides can link ``configuration.md#newsqa_model``."""
    return env_name.lower()


def _models_named(model: type[BaseModel]) -> str:
    """The root settings class and the settings classes it extends, as the reference's intro names them."""
    bases = [c for c in model.__mro__[1:] if issubclass(c, BaseModel) and c.__module__.split(".")[0] in ("qa", "index")]
    name = f"`{model.__module__}.{model.__qualname__}`"
    return name + (", which extends " + ", ".join(f"`{c.__module__}.{c.__qualname__}`" for c in bases) if bases else "")


def configuration_markdown(rows: list[SettingRow] | None = None) -> str:
    rows = setting_rows() if rows is None else rows
    out = [
        "# Configuration reference",
        "",
        f"Generated from the settings models ({_models_named(_settings_model())}; nested sections included) at every "
        "docs build; do not edit by hand. Every setting is read from its environment "
        "variable when a command starts; a value the model refuses stops the command (exit code 2) with the setting "
        "named. "
        "Booleans take `true`/`false` (or `1`/`0`), lists take JSON (`[\"https://a.example\"]`). "
        "How to set them for a service: [Running it](../running.md).",
        "",
    ]
    groups: dict[str, list[SettingRow]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(row)
    for group, members in groups.items():
        out += [f"## {group}", ""]
        if members[0].group_note:
            out += [members[0].group_note, ""]
        out += ["| variable (setting) | type | default | description |", "|---|---|---|---|"]
        for row in members:
            names = " ".join(f'<a id="{anchor(n)}"></a>`{n}`' for n in row.env[:1]) if row.env else "—"
            if len(row.env) > 1:
                names += " (also " + ", ".join(f"`{n}`" for n in row.env[1:]) + ")"
            names += f"<br>(`{row.path}`)"
            out.append("| " + " | ".join(_cell(c) for c in (
                names, row.type, row.default, row.description or "*(no description yet)*")) + " |")
        out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------- HTTP API


class _NoEncoder:
    """Stands in for the embedding model while the schema is built: the app is assembled around a real engine,
    whose encoder is only used to answer questions, so no model is loaded; any use of it fails loudly."""

    def __getattr__(self, name: str):
        raise RuntimeError(f"the docs build has no embedding model; building the app used encoder.{name}")


def openapi_schema() -> dict:
    """The schema the running service serves at /openapi.json, built from default settings (no env) around an
    engine whose index is an empty temporary folder and whose model is a stand-in."""
    _importable_repo()
    import tempfile

    from qa.api.app import create_app
    from qa.engine import Engine
    from qa.settings import Settings

    with tempfile.TemporaryDirectory(prefix="newsqa-docs-") as empty:
        settings = Settings.model_construct(index_dir=Path(empty) / "index")
        app = create_app(settings, engine=Engine(settings, encoder=_NoEncoder()))
        return app.openapi()


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _schema_type(schema: dict) -> str:
    """A JSON-schema type in words, with links to the models it names."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{name.lower()})"
    if "anyOf" in schema or "oneOf" in schema:
        parts = [_schema_type(s) for s in schema.get("anyOf", schema.get("oneOf", []))]
        return " | ".join(dict.fromkeys(parts))
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {_schema_type(schema.get('items', {}))}"
    if kind == "null":
        return "null"
    fmt = schema.get("format")
    text = f"{kind} ({fmt})" if fmt else kind
    bounds = [f"{sign} {schema[key]:g}" if isinstance(schema[key], (int, float)) else f"{sign} {schema[key]}"
              for key, sign in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
                                ("exclusiveMaximum", "<"), ("minLength", "length ≥"), ("maxLength", "length ≤"))
              if key in schema]
    return f"{text}, {', '.join(bounds)}" if bounds else text


def _default(schema: dict) -> str:
    return f"`{json.dumps(schema['default'])}`" if "default" in schema else ""


def _operation_markdown(path: str, method: str, op: dict, components: dict) -> list[str]:
    out = [f"## {method.upper()} `{path}`", ""]
    if op.get("description") or op.get("summary"):
        out += [op.get("description") or op["summary"], ""]
    params = op.get("parameters", [])
    if params:
        out += ["| parameter | in | type | required | default | description |", "|---|---|---|---|---|---|"]
        for p in params:
            schema = p.get("schema", {})
            out.append("| " + " | ".join(_cell(c) for c in (
                f"`{p['name']}`", p["in"], _schema_type(schema), "yes" if p.get("required") else "no",
                _default(schema), p.get("description") or schema.get("description", ""))) + " |")
        out.append("")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        out += [f"Request body (JSON): {_schema_type(body)}.", ""]
        examples = components.get(_ref_name(body.get("$ref", "")), {}).get("examples", [])
        for example in examples[:1]:
            out += ["```json", json.dumps(example, indent=2, ensure_ascii=False), "```", ""]
    out += ["| status | meaning | body |", "|---|---|---|"]
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        # Several media types (JSON, or server-sent events by the request's Accept header) are each named.
        bodies = [(f"`{kind}`: " if len(content) > 1 else "") + _schema_type(media["schema"])
                  if media.get("schema") else f"`{kind}`" for kind, media in content.items()]
        out.append("| " + " | ".join(_cell(c) for c in (
            status, response.get("description", ""), "; ".join(bodies))) + " |")
    out.append("")
    return out


def _component_markdown(name: str, schema: dict) -> list[str]:
    out = [f"### {name}", ""]
    if schema.get("description"):
        out += [schema["description"], ""]
    required = set(schema.get("required", []))
    properties = schema.get("properties", {})
    if properties:
        out += ["| field | type | required | default | description |", "|---|---|---|---|---|"]
        for field, prop in properties.items():
            out.append("| " + " | ".join(_cell(c) for c in (
                f"`{field}`", _schema_type(prop), "yes" if field in required else "no", _default(prop),
                prop.get("description", ""))) + " |")
        out.append("")
    if schema.get("additionalProperties") is False:
        out += ["Other fields are refused (422).", ""]
    for example in schema.get("examples", [])[:1]:
        out += ["Example:", "", "```json", json.dumps(example, indent=2, ensure_ascii=False), "```", ""]
    return out


def http_markdown(schema: dict | None = None) -> str:
    schema = openapi_schema() if schema is None else schema
    components = schema.get("components", {}).get("schemas", {})
    info = schema.get("info", {})
    out = [
        "# HTTP API reference",
        "",
        "Generated from the service's OpenAPI schema (`qa.api.app.create_app(...).openapi()`) at every docs build; "
        "do not edit by hand. A running service serves the same schema at `/openapi.json` and tries it out at "
        "`/docs`. The reader's page (`GET /`) and Prometheus metrics (`GET /metrics`) are served outside the schema: "
        "[Asking and searching](../asking.md#http-api). Limits shown (longest question, largest `top_k`) are the defaults; they follow the "
        "[configuration](configuration.md). Examples with curl: [Asking and searching](../asking.md).",
        "",
        f"{info.get('title', '')} {info.get('version', '')}: {info.get('description', '')}".strip(),
        "",
    ]
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            out += _operation_markdown(path, method, op, components)
    out += ["## Schemas", ""]
    for name in sorted(components):
        out += _component_markdown(name, components[name])
    return "\n".join(out)


# --------------------------------------------------------------------------------------------- the hook


def generated_pages() -> dict[str, str]:
    return {CONFIGURATION_PAGE: configuration_markdown(), HTTP_PAGE: http_markdown()}


def on_files(files, config):
    """Add the generated pages to the build (mkdocs calls this once the docs folder is read)."""
    from mkdocs.structure.files import File

    for uri, text in generated_pages().items():
        files.append(File.generated(config, uri, content=text))
    return files
