"""Schemas that dump fast: the same output as marshmallow, compiled once per schema.

A league table of 2,000 branches has about 50,000 values, a visit some 300; marshmallow's own
dump walks its per-field machinery for each (well over 100 ms for the table, a twentieth of a
submission's CPU for the visit). `FastDumpSchema` compiles the schema's declared fields once
into one plain function, so the schemas still document the API (OpenAPI) and define the output,
in a fraction of the time. The tests compare both dumps for every schema that uses it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

import marshmallow as ma

from server.api.smorest import Schema

Converter = Callable[[Any], Any]


class FastDumpSchema(Schema):
    """dump() through one compiled function: the same output as marshmallow for the field types
    used here (Integer, Float, String, Boolean, Decimal as string, Date and DateTime in ISO
    format, Enum by value, Raw, Nested, List, Function, Method, ColumnarRows); any other field
    type is refused when the schema is first used. Hooks (pre_dump, post_dump) are not run:
    schemas that use this have none."""

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        dumper = _compiled(type(self))
        if self.many if many is None else many:
            return [dumper(item) for item in obj]
        return dumper(obj)


class ColumnarRows(ma.fields.Nested):
    """Rows (many=True) of a table its object also holds as columns: marshmallow dumps them
    one by one through the nested schema, FastDumpSchema by `dump_columns(obj)`, a function of
    the whole object that builds every row's dict a column at a time. The nested schema still
    defines (and documents) the rows; the tests hold both dumps equal."""

    def __init__(self, nested: type[ma.Schema], dump_columns: Converter, **kwargs: Any) -> None:
        super().__init__(nested, many=True, **kwargs)
        self.dump_columns = dump_columns


@cache
def _compiled(schema: type[ma.Schema]) -> Converter:
    """One function per schema, written out field by field and compiled, as dataclasses writes
    its __init__: each attribute is read by plain attribute access (the objects on a dotted
    path read once), and each value costs a converter (a C call, mostly) and no Python call of
    its own. Function and Method fields get the object itself, as marshmallow gives it to
    them."""
    fields = schema().dump_fields  # bound to this instance: Method fields call its methods
    namespace: dict[str, Any] = {}
    reads = _Reads()
    items = []
    for index, (name, field) in enumerate(fields.items()):
        key = field.data_key or name
        match field:
            case ColumnarRows():
                namespace[f"call{index}"] = field.dump_columns
                items.append(f"{key!r}: call{index}(obj),")
            case ma.fields.Function():
                namespace[f"call{index}"] = field.serialize_func
                items.append(f"{key!r}: call{index}(obj),")
            case ma.fields.Method():
                namespace[f"call{index}"] = getattr(field.parent, field.serialize_method_name)
                items.append(f"{key!r}: call{index}(obj),")
            case ma.fields.List():
                # Written out too: no Python call per list, and a builtin item converter is
                # called by its name.
                value = reads.value(field.attribute or name)
                item = _call(_converter(field.inner), f"convert{index}", namespace)
                each = f"[None if item is None else {item}(item) for item in {value}]"
                items.append(f"{key!r}: None if {value} is None else {each},")
            case _:
                value = reads.value(field.attribute or name)
                call = _call(_converter(field), f"convert{index}", namespace)
                items.append(f"{key!r}: None if {value} is None else {call}({value}),")
    source = (
        "def dump(obj):\n"
        + "".join(f"    {line}\n" for line in reads.lines)
        + "    return {\n"
        + "".join(f"        {item}\n" for item in items)
        + "    }\n"
    )
    exec(compile(source, f"<dump {schema.__name__}>", "exec"), namespace)
    return namespace["dump"]


# Converters that are builtins are called by name: no look-up in the function's namespace.
_BUILTINS: dict[Any, str] = {str: "str", int: "int", bool: "bool", float: "float"}


def _call(converter: Converter, name: str, namespace: dict[str, Any]) -> str:
    """How the dump function calls the converter: a builtin by its name, others by `name`."""
    builtin = _BUILTINS.get(converter)
    if builtin is not None:
        return builtin
    namespace[name] = converter
    return name


class _Reads:
    """The statements of a dump function that read the attributes, each object once."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._names: dict[str, str] = {"": "obj"}  # dotted path -> local name

    def value(self, attribute: str) -> str:
        """The local name that holds the attribute (a dotted path) of obj."""
        path = ""
        for part in attribute.split("."):
            if not part.isidentifier():
                raise TypeError(f"FastDumpSchema cannot read attribute {attribute!r}")
            owner, path = self._names[path], f"{path}.{part}" if path else part
            if path not in self._names:
                self._names[path] = local = f"v{len(self._names)}"
                self.lines.append(f"{local} = {owner}.{part}")
        return self._names[path]


def _converter(field: ma.fields.Field) -> Converter:
    """What turns a value that is not None into its JSON form."""
    match field:
        case ma.fields.Nested():
            nested = field.nested
            inner = _compiled(nested if isinstance(nested, type) else type(nested))
            if field.many:
                return lambda values: [inner(value) for value in values]
            return inner
        case ma.fields.List():
            item = _converter(field.inner)
            return lambda values: [None if value is None else item(value) for value in values]
        case ma.fields.Decimal() if field.as_string and field.places is None:
            return str
        case ma.fields.Boolean():
            return bool
        case ma.fields.Float() if not field.as_string:
            return float
        case ma.fields.Integer() if not field.as_string:
            return int
        case ma.fields.String():
            return str
        case ma.fields.Enum() if field.by_value:
            return operator.attrgetter("value")
        case ma.fields.Date() if (field.format or "iso") == "iso":  # a DateTime subclass
            return date.isoformat
        case ma.fields.DateTime() if (field.format or "iso") in ("iso", "iso8601"):
            return datetime.isoformat
        case ma.fields.Raw() if type(field) is ma.fields.Raw:
            return _as_it_is
    raise TypeError(f"FastDumpSchema cannot dump {type(field).__name__} fields")


def _as_it_is(value: Any) -> Any:
    return value
