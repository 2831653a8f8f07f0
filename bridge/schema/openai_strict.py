"""OpenAI ``strict: true`` parameters, produced only when the strict form keeps the meaning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.schema.changes import ChangeLog, Conversion, child, short
from bridge.schema.merge import merge_all_of
from bridge.schema.pipeline import run
from bridge.schema.walk import ANNOTATIONS, SCHEMA_KEYWORDS, Visit, map_children, types_of

__all__ = ["STRICT_FORMATS", "StrictSchemaError", "convert_openai_strict"]

# Keywords strict mode accepts as they are.
_SUPPORTED = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "enum",
        "description",
        "title",
        "$ref",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
# Keywords rewritten into supported ones after the children are converted.
_REWRITTEN = frozenset({"const", "allOf", "oneOf", "default"})
_PASSED = _SUPPORTED | _REWRITTEN
_DEFINITIONS = frozenset({"$defs", "definitions"})
# Validation keywords strict mode rejects: dropping them would change what is valid.
_UNSUPPORTED = frozenset(
    {
        "minLength",
        "maxLength",
        "patternProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "unevaluatedProperties",
        "unevaluatedItems",
        "prefixItems",
        "additionalItems",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
        "not",
        "if",
        "then",
        "else",
        "$dynamicRef",
        "$recursiveRef",
    }
)
STRICT_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"}
)
# Keywords that need no look beyond their presence: a node with only these takes no filter.
_SIMPLE = _SUPPORTED - {"$ref", "format", "exclusiveMinimum", "exclusiveMaximum"}
# A node with only these keywords, and a type that is neither object nor array, needs no
# change (the checks on "format", "exclusiveM*" and the count of "enum" values take a visit).
_PLAIN = _SIMPLE - SCHEMA_KEYWORDS - {"enum"}
_PLAIN_ARRAY = _PLAIN | {"items"}
# An object node with only these keywords has no subschemas but its properties (and a
# boolean additionalProperties), so _object() can convert them in its own pass.
_OBJECT = frozenset(
    {"type", "properties", "required", "additionalProperties", "description", "title"}
)
_MAX_PROPERTIES = 5000
_MAX_DEPTH = 10
_MAX_ENUM_VALUES = 1000
_ENUM_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


class StrictSchemaError(ValueError):
    """A schema has no strict form with the same meaning; ``reasons`` says why."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = tuple(reasons)
        shown = "; ".join(reasons[:5]) + ("; ..." if len(reasons) > 5 else "")
        super().__init__(f"strict mode is not possible: {shown}")


def _depth(pointer: str) -> int:
    """How many object levels deep ``pointer`` sits (property names are skipped)."""
    depth, skip = 0, False
    for token in pointer.split("/")[1:]:
        if skip:
            skip = False
        elif token == "properties":
            depth, skip = depth + 1, True
    return depth


def _nullable(node: Any) -> Any:
    """``node`` also accepting null, which stands for "omitted" in strict mode."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"anyOf": [node, {"type": "null"}]}
    out = dict(node)
    branches = out.get("anyOf")
    if isinstance(branches, list):
        if not any(isinstance(b, dict) and types_of(b) == ("null",) for b in branches):
            out["anyOf"] = [*branches, {"type": "null"}]
    else:
        kind = out.get("type")
        if type(kind) is str:
            if kind != "null":
                out["type"] = [kind, "null"]
        else:
            kinds = types_of(out)
            if "null" not in kinds:
                out["type"] = [*kinds, "null"]
    enum = out.get("enum")
    if isinstance(enum, list) and None not in enum:
        out["enum"] = [*enum, None]
    return out


def _plain(node: Any) -> bool:
    """Whether the strict rewrite would return ``node`` as is, with nothing to log or count."""
    if type(node) is not dict:
        return False
    if _PLAIN.issuperset(node):
        kind = node.get("type")
        if type(kind) is str:
            return kind != "object" and kind != "array"
        kinds = types_of(node)
        return bool(kinds) and "object" not in kinds and "array" not in kinds
    return (
        _PLAIN_ARRAY.issuperset(node) and node.get("type") == "array" and _plain(node.get("items"))
    )


def _disjoint_types(branches: list[Any]) -> bool:
    """Whether each branch names one type and no two branches can match the same value."""
    kinds: list[str] = []
    for branch in branches:
        if not isinstance(branch, dict) or len(types_of(branch)) != 1:
            return False
        kinds.extend(types_of(branch))
    if {"integer", "number"} <= set(kinds):
        return False
    return len(set(kinds)) == len(kinds)


class _Strictifier:
    """Per-node strict rewrite; collects the reasons a schema cannot be made strict."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.properties = 0
        self.enum_values = 0

    def problem(self, pointer: str, text: str) -> None:
        self.problems.append(f"{pointer or '/'}: {text}")

    def rewrite(self, node: Any, pointer: str, visit: Visit, log: ChangeLog) -> Any:
        if not isinstance(node, dict):
            if not pointer.endswith("/additionalProperties"):  # that one _object() settles
                self.problem(pointer, f"boolean schema {node!r} has no strict form")
            return node
        if not _SIMPLE.issuperset(node):
            if "$ref" in node:
                return self._kept_ref(node, pointer, log)
            node = self._simplify(node, pointer, log)
        if (
            _OBJECT.issuperset(node)
            and node.get("type") == "object"
            and not isinstance(node.get("additionalProperties"), dict)
        ):
            # the common object: its properties are its only subschemas, converted in the
            # same pass that makes the optional ones nullable
            return self._object(node, pointer, log, visit)
        node = map_children(node, pointer, visit, _plain)
        if not _REWRITTEN.isdisjoint(node):
            node = self._rewrite(node, pointer, log)
        return self._shape(node, pointer, log)

    def _kept_ref(self, node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
        # Strict mode forbids siblings of "$ref"; annotations can go, constraints cannot.
        for key, value in node.items():
            if key == "$ref":
                continue
            if key in ANNOTATIONS:
                log.dropped(pointer, key, value, "strict forbids siblings of $ref")
            else:
                self.problem(pointer, f'"{key}" beside a recursive $ref')
        return {"$ref": node["$ref"]}

    def _simplify(self, node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
        if not _SUPPORTED.issuperset(node):
            node = self._filter(node, pointer, log)
        shape = node.get("format")
        if "format" in node and (type(shape) is not str or shape not in STRICT_FORMATS):
            log.dropped(pointer, "format", node["format"], "not a strict-mode format")
            node = {k: v for k, v in node.items() if k != "format"}
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(node.get(key), bool):
                self.problem(pointer, f'boolean "{key}" (draft 4) is not supported')
        return node

    def _filter(self, node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
        kept: dict[str, Any] = {}
        for key, value in node.items():
            if key in _PASSED:
                kept[key] = value
            elif key in _DEFINITIONS:
                log.add(pointer, f'removed "{key}" (its refs are inlined)')
            elif key in _UNSUPPORTED:
                self.problem(pointer, f'"{key}" is not supported in strict mode')
            else:
                # annotations and unknown keywords: neither changes what is valid
                log.dropped(pointer, key, value)
        return kept

    def _rewrite(self, node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
        node = dict(node)
        if "allOf" in node:
            merged = merge_all_of(node)
            if merged is None:
                self.problem(pointer, '"allOf" branches that cannot be merged')
                node.pop("allOf")
            else:
                node = merged
                log.add(pointer, 'merged "allOf" into its parent')
        if "oneOf" in node:
            branches = node.pop("oneOf")
            if "anyOf" not in node and isinstance(branches, list) and _disjoint_types(branches):
                node["anyOf"] = branches
                log.add(pointer, 'rewrote "oneOf" as "anyOf" (its branches cannot overlap)')
            else:
                self.problem(pointer, '"oneOf" whose branches may overlap')
        if "const" in node:
            value = node.pop("const")
            node["enum"] = [value]
            log.add(pointer, 'rewrote "const" as a one-value "enum"')
        if "default" in node:
            value = node.pop("default")
            said = node.get("description")
            shown = short(value)
            hint = f"(default: {shown})"
            node["description"] = f"{said} {hint}" if isinstance(said, str) and said else hint
            log.add(pointer, f'moved "default": {shown} into the description')
        return node

    def _shape(self, node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
        kind = node.get("type")
        if type(kind) is str:  # the common case, as below for one named type
            enum = node.get("enum")
            if isinstance(enum, list):
                self.enum_values += len(enum)
            if kind == "object":
                node = self._object(node, pointer, log)
            elif kind == "array" and not isinstance(node.get("items"), dict):
                self.problem(pointer, "an array without one items schema has no strict form")
            if pointer == "" and "anyOf" in node:
                self.problem(pointer, "strict mode forbids anyOf at the root")
            return node
        kinds = types_of(node)
        if not kinds and "anyOf" not in node:
            node = self._infer_type(node, pointer, log)
            kinds = types_of(node)
        if isinstance(node.get("enum"), list):
            self.enum_values += len(node["enum"])
        if "object" in kinds:
            node = self._object(node, pointer, log)
        if "array" in kinds and not isinstance(node.get("items"), dict):
            self.problem(pointer, "an array without one items schema has no strict form")
        if pointer == "" and "anyOf" in node:
            self.problem(pointer, "strict mode forbids anyOf at the root")
        return node

    def _infer_type(self, node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
        if pointer == "":
            log.add(pointer, 'added "type": "object" (tool arguments are always an object)')
            return {**node, "type": "object"}
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            kinds = list(dict.fromkeys(_ENUM_TYPES.get(type(v), "") for v in enum))
            if "" not in kinds:
                kind: str | list[str] = kinds[0] if len(kinds) == 1 else kinds
                log.add(pointer, f'added "type": {short(kind)} from the enum values')
                return {**node, "type": kind}
        if "properties" in node:
            log.add(pointer, 'added "type": "object" beside "properties"')
            return {**node, "type": "object"}
        self.problem(pointer, "no type: accepts any value, which strict mode cannot say")
        return node

    def _object(
        self, node: dict[str, Any], pointer: str, log: ChangeLog, visit: Visit | None = None
    ) -> dict[str, Any]:
        """Close the object and make its optional properties nullable.

        With ``visit``, the properties' subschemas are converted here too (the caller has not
        mapped the node's children).
        """
        node = dict(node)
        properties = node.get("properties")
        if not isinstance(properties, dict):
            properties = {}
        required = node.get("required", [])
        if not isinstance(required, list):
            required = []
        optional: list[str] = []
        if properties:
            shaped: dict[str, Any] = {}
            for name, sub in properties.items():
                if visit is not None and not _plain(sub):
                    sub = visit(sub, child(f"{pointer}/properties", name))
                if name not in required:  # names are few: list lookups beat building sets
                    optional.append(name)
                    sub = _nullable(sub)
                shaped[name] = sub
            properties = shaped
        extra = node.get("additionalProperties", True)
        if isinstance(extra, dict) and extra:
            self.problem(pointer, "additionalProperties with a schema (a map) has no strict form")
        elif not properties and extra is not False and pointer != "":
            self.problem(pointer, "a free-form object (no properties) has no strict form")
        if extra is not False:
            log.add(pointer, 'set "additionalProperties": false')
        node["additionalProperties"] = False
        # _depth() never exceeds the count of "properties" tokens: test that first, it is cheap
        if (
            properties
            and pointer.count("/properties") >= _MAX_DEPTH
            and _depth(pointer) + 1 > _MAX_DEPTH
        ):
            self.problem(pointer, f"objects nested deeper than {_MAX_DEPTH} levels")
        self.properties += len(properties)
        missing = [name for name in required if type(name) is not str or name not in properties]
        if missing:
            self.problem(pointer, f"required {short(missing)} not among the properties")
        if optional:
            log.add(
                pointer,
                f"made optional {', '.join(optional)} required and nullable (null means omitted)",
            )
        node["properties"] = properties
        node["required"] = list(properties)
        return node


def convert_openai_strict(schema: Mapping[str, Any]) -> Conversion:
    """Convert a tool's input schema for OpenAI ``strict: true`` function calling.

    Every object gets ``additionalProperties: false`` and lists all its properties as
    required, optional ones turned nullable (the model sends null for "omitted": drop those
    nulls before validating against the original). Raises ``StrictSchemaError`` when no
    strict schema keeps the meaning; use the ``openai`` dialect then.
    """
    strict = _Strictifier()
    root, log, unresolved, restructured = run(schema, strict.rewrite, keep_cycles=True)
    problems = strict.problems
    if restructured:
        problems.append("/: the root is not an object schema")
    if "$ref" in root:
        problems.append("/: the root is a $ref, which strict mode cannot say")
    if unresolved:
        problems.extend(f"/: unresolvable $ref {short(ref)}" for ref in unresolved)
    if strict.properties > _MAX_PROPERTIES:
        problems.append(f"/: more than {_MAX_PROPERTIES} properties in all")
    if strict.enum_values > _MAX_ENUM_VALUES:
        problems.append(f"/: more than {_MAX_ENUM_VALUES} enum values in all")
    if problems:
        raise StrictSchemaError(problems)
    return log.conversion(root, strict=True)
