"""The schema model: what the templates need, validated.

build(raw) turns fbs_dump's JSON (FlatBuffers reflection) into a Schema and
collects *every* error before raising SchemaErrors, each with file:line.
"""
import hashlib
import json
import os
import re
from dataclasses import dataclass, field as dc_field
from typing import Optional

from . import locate
from .errors import SchemaError, SchemaErrors

SCALARS = {
    "Bool": "bool", "Byte": "int8_t", "UByte": "uint8_t", "Short": "int16_t",
    "UShort": "uint16_t", "Int": "int32_t", "UInt": "uint32_t", "Long": "int64_t",
    "ULong": "uint64_t", "Float": "float", "Double": "double",
}
UNSIGNED = {"UByte", "UShort", "UInt", "ULong"}

CPP_KEYWORDS = set("""alignas alignof and and_eq asm auto bitand bitor bool break case
catch char char8_t char16_t char32_t class compl concept const consteval constexpr
constinit const_cast continue co_await co_return co_yield decltype default delete do
double dynamic_cast else enum explicit export extern false float for friend goto if
inline int long mutable namespace new noexcept not not_eq nullptr operator or or_eq
private protected public register reinterpret_cast requires return short signed
sizeof static static_assert static_cast struct switch template this thread_local
throw true try typedef typeid typename union unsigned using virtual void volatile
wchar_t while xor xor_eq std""".split())
# Names the generator itself defines in the value namespace.
GENERATED_NAMES = {"Event", "EventData", "Timestamp", "Codec", "DecodeResult",
                   "UnknownCategory", "Unknown", "VariantInfo", "display",
                   "to_json", "category_name", "variant_name", "all_variants",
                   "PrintTo", "wire"}

LEGACY_CONVERSIONS = {"display", "level", "contains", "rust_option", "bool_string", "finite"}


@dataclass
class Legacy:
    """How a field's value is read from a legacy marker line."""
    key: Optional[str]          # source key on the line; None = not on the line
    conversion: str = ""        # one of LEGACY_CONVERSIONS, or "" (plain JSON value)
    args: list = dc_field(default_factory=list)  # [(text, Value)] pairs


@dataclass
class Type:
    kind: str                    # scalar | string | enum | struct | table
    cpp: str                     # value type as written in generated C++
    base: str = ""               # FlatBuffers base type name for scalars/enums
    optional: bool = False
    ref: object = None           # EnumType / StructType / ValueTable

    @property
    def is_float(self):
        return self.kind == "scalar" and self.base in ("Float", "Double")


@dataclass
class Field:
    name: str
    id: int
    type: Type
    doc: list
    legacy: Legacy
    line: int


@dataclass
class EnumType:
    name: str
    wire: str          # C++ name of flatc's enum
    underlying: str
    values: list       # [(name, value, display)]
    doc: list


@dataclass
class StructType:
    name: str
    wire: str
    fields: list       # [Field]; array fields have type.kind == "array"
    doc: list
    interval_prefix: Optional[str] = None


@dataclass
class ValueTable:
    name: str
    wire: str
    fields: list
    doc: list
    display: list      # alternatives, each a list of parts (see parse_display)


@dataclass
class Variant:
    name: str
    tag: int
    wire: str
    fields: list
    doc: list
    display: list       # parts
    legacy_marker: Optional[str]
    legacy_level: Optional[str]
    rotate_epoch: Optional[str]
    category: "Category" = None

    @property
    def cpp(self):
        c = self.category
        return self.name if c.is_record else f"{c.ns}::{self.name}"


@dataclass
class Category:
    name: str           # union member name in EventData, e.g. "Train"
    tag: int
    ns: str             # C++ namespace of its variants ("train"); "" for records
    wire: str           # flatc class of the category table
    wire_union: str     # flatc enum of the category's union ("" for records)
    variants: list
    is_record: bool

    @property
    def display_name(self):
        return self.name if self.is_record else self.ns


@dataclass
class Schema:
    name: str
    path: str
    include_basename: str
    cpp_namespace: str
    wire_namespace: str
    wire_root: str
    wire_data_union: str
    file_ident: str
    enums: list
    structs: list
    tables: list          # value tables, dependency order
    categories: list
    run_context: Variant
    fingerprint: int

    @property
    def variants(self):
        return [v for c in self.categories for v in c.variants]

    @property
    def legacy_variants(self):
        return [v for v in self.variants if v.legacy_marker]


def cpp_name(wire_name: str) -> str:
    return "::" + wire_name.replace(".", "::")


def short(wire_name: str) -> str:
    return wire_name.rsplit(".", 1)[-1]


def namespace_of(wire_name: str) -> str:
    return wire_name.rsplit(".", 1)[0] if "." in wire_name else ""


PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def parse_display(text: str):
    """'loss={loss}' → [('text','loss='), ('field','loss')]."""
    parts, pos = [], 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            parts.append(("text", text[pos:m.start()]))
        parts.append(("field", m.group(1)))
        pos = m.end()
    if pos < len(text):
        parts.append(("text", text[pos:]))
    return parts


def parse_legacy(text: Optional[str], default_key: str) -> Legacy:
    """`legacy` attribute: "-" | "key" | "[key]@conversion[:TEXT=Value,...]"."""
    if text is None:
        return Legacy(default_key)
    if text == "-":
        return Legacy(None)
    key, _, conv = text.partition("@")
    key = key or default_key
    if not conv:
        return Legacy(key)
    name, _, argtext = conv.partition(":")
    args = []
    if argtext:
        for item in argtext.split(","):
            lhs, sep, rhs = item.rpartition("=")
            if not sep:
                raise ValueError(f"legacy argument {item!r} is not TEXT=Value")
            args.append((lhs, rhs.strip()))
    return Legacy(key, name.strip(), args)


class _Builder:
    def __init__(self, raw: dict):
        self.raw = raw
        self.errors = []
        self.objects = raw["objects"]
        self.enums_raw = raw["enums"]
        self.enum_models = {}
        self.struct_models = {}
        self.table_models = {}
        self.table_order = []

    # ---- error helpers ---------------------------------------------------
    def path_of(self, decl) -> str:
        f = decl.get("declaration_file", "")
        if f.startswith("//"):
            return os.path.normpath(os.path.join(self.raw["base_dir"], f[2:]))
        return self.raw["file"]

    def error(self, decl, kind, message, hint="", field_name=None, needle=None):
        path = self.path_of(decl) if decl else self.raw["file"]
        line = 0
        if decl:
            if field_name:
                line = locate.field(path, kind, decl["name"], field_name)
            else:
                line = locate.declaration(path, kind, decl["name"])
            if needle:
                line = locate.text_in(path, line, needle)
        self.errors.append(SchemaError(self.rel(path), line, message, hint))

    def rel(self, path):
        """Relative to the working directory when inside it, else absolute."""
        rel = os.path.relpath(path)
        return path if rel.startswith("..") else rel

    def check_name(self, decl, kind, name, what, field_name=None):
        if name in CPP_KEYWORDS:
            self.error(decl, kind, f"{what} '{name}' is a C++ keyword",
                       "rename it: generated C++ would not compile", field_name)
            return False
        if name.startswith("_") or "__" in name:
            self.error(decl, kind, f"{what} '{name}' is reserved in C++ (leading or double underscore)",
                       "rename it", field_name)
            return False
        return True

    # ---- types -----------------------------------------------------------
    def enum_model(self, index):
        if index in self.enum_models:
            return self.enum_models[index]
        e = self.enums_raw[index]
        display = {}
        spec = e["attributes"].get("display")
        if spec:
            for item in spec.split(","):
                lhs, sep, rhs = item.partition("=")
                if not sep:
                    self.error(e, "enum", f"display entry {item.strip()!r} of enum {short(e['name'])} is not Name=Text",
                               'write display: "Name=Text, Name=Text"', needle="display")
                    continue
                display[lhs.strip()] = rhs.strip()
        names = {v["name"] for v in e["values"]}
        for k in display:
            if k not in names:
                self.error(e, "enum", f"display names '{k}', which is not a value of enum {short(e['name'])}",
                           f"values are: {', '.join(sorted(names))}", needle="display")
        self.check_name(e, "enum", short(e["name"]), "enum")
        values = [(v["name"], v["value"], display.get(v["name"], v["name"])) for v in e["values"]]
        for v in values:
            self.check_name(e, "enum", v[0], f"value of enum {short(e['name'])}")
        m = EnumType(short(e["name"]), cpp_name(e["name"]),
                     SCALARS[e["underlying_type"]["base_type"]], values, e["documentation"])
        self.enum_models[index] = m
        return m

    def field_type(self, owner, kind, f, in_struct=False) -> Optional[Type]:
        t = f["type"]
        base = t["base_type"]
        where = f"field '{f['name']}' of {short(owner['name'])}"
        if base in SCALARS:
            if t["index"] >= 0 and base != "Bool":
                em = self.enum_model(t["index"])
                typ = Type("enum", em.name, base, f["optional"], em)
            else:
                typ = Type("scalar", SCALARS[base], base, f["optional"])
            if typ.optional:
                typ.cpp = f"std::optional<{typ.cpp}>"
            return typ
        if base == "String" and not in_struct:
            opt = "optional" in f["attributes"]
            return Type("string", "std::optional<std::string>" if opt else "std::string", "String", opt)
        if base == "Obj":
            obj = self.objects[t["index"]]
            if obj["is_struct"]:
                sm = self.struct_model(t["index"])
                return Type("struct", sm.name, "Obj", False, sm) if sm else None
            if not in_struct:
                tm = self.value_table(t["index"], owner, f)
                if tm:
                    return Type("table", tm.name, "Obj", False, tm)
                return None
        if base == "Array" and in_struct and t["element"] in SCALARS and t["element"] != "Bool":
            return Type("array", f"std::array<{SCALARS[t['element']]}, {t['fixed_length']}>",
                        t["element"], False)
        described = {"Vector": f"a vector of {t['element']}", "Union": "a union", "Array": "an array",
                     "UType": "a union type"}.get(base, base)
        self.error(owner, kind, f"{where} has an unsupported type: {described}",
                   "event fields may be bool, integers, float/double (optionally `= null`), string, "
                   "enums, structs of those (and fixed [ubyte:N] arrays) or value tables",
                   field_name=f["name"])
        return None

    def fields(self, obj, kind, in_struct=False):
        out = []
        seen_ok = True
        for f in sorted(obj["fields"], key=lambda f: f["id"]):
            if f["type"]["base_type"] == "UType":
                continue
            if f["deprecated"]:
                continue
            if not self.check_name(obj, kind, f["name"], f"field of {short(obj['name'])}", f["name"]):
                seen_ok = False
                continue
            typ = self.field_type(obj, kind, f, in_struct)
            if typ is None:
                seen_ok = False
                continue
            try:
                legacy = parse_legacy(f["attributes"].get("legacy"), f["name"])
            except ValueError as e:
                self.error(obj, kind, f"field '{f['name']}': {e}", field_name=f["name"])
                legacy = Legacy(f["name"])
            if legacy.conversion and legacy.conversion not in LEGACY_CONVERSIONS:
                self.error(obj, kind, f"field '{f['name']}' uses unknown legacy conversion '@{legacy.conversion}'",
                           f"known conversions: {', '.join('@' + c for c in sorted(LEGACY_CONVERSIONS))}",
                           field_name=f["name"])
            path = self.path_of(obj)
            out.append(Field(f["name"], f["id"], typ, f["documentation"], legacy,
                             locate.field(path, kind, obj["name"], f["name"])))
        return out if seen_ok or out else out

    def struct_model(self, index):
        if index in self.struct_models:
            return self.struct_models[index]
        obj = self.objects[index]
        self.check_name(obj, "struct", short(obj["name"]), "struct")
        sm = StructType(short(obj["name"]), cpp_name(obj["name"]), [], obj["documentation"])
        self.struct_models[index] = sm
        sm.fields = self.fields(obj, "struct", in_struct=True)
        if "interval" in obj["attributes"]:
            sm.interval_prefix = obj["attributes"]["interval"]
            if len(sm.fields) != 2 or any(f.type.base not in UNSIGNED or f.type.kind != "scalar"
                                          for f in sm.fields):
                self.error(obj, "struct", f"interval struct {sm.name} must have exactly two unsigned integer fields",
                           "declare it as struct X (interval: \"B\") { start: ulong; end: ulong; }")
        return sm

    def value_table(self, index, owner, f):
        if index in self.table_models:
            return self.table_models[index]
        obj = self.objects[index]
        if obj["name"] in self.event_tables:
            self.error(owner, "table", f"field '{f['name']}' of {short(owner['name'])} has an event table "
                       f"({short(obj['name'])}) as its type", "fields may only use value tables, "
                       "structs, enums and scalars", field_name=f["name"])
            return None
        self.check_name(obj, "table", short(obj["name"]), "table")
        tm = ValueTable(short(obj["name"]), cpp_name(obj["name"]), [], obj["documentation"], [])
        self.table_models[index] = tm
        tm.fields = self.fields(obj, "table")
        spec = obj["attributes"].get("display")
        alts = spec.split("|") if spec else [" ".join("{%s}" % x.name for x in tm.fields)]
        tm.display = [parse_display(a) for a in alts]
        self.check_display(obj, "table", tm.fields, tm.display)
        self.table_order.append(tm)
        return tm

    def check_display(self, obj, kind, fields, alternatives):
        names = {f.name for f in fields}
        for parts in alternatives:
            for k, v in parts:
                if k == "field" and v not in names:
                    self.error(obj, kind, f"display string of {short(obj['name'])} names field '{v}', which "
                               f"does not exist", f"fields are: {', '.join(sorted(names)) or '(none)'}; "
                               "write {field} for a field, {{ and }} for braces", needle="{" + v + "}")

    # ---- the whole schema ------------------------------------------------
    def build(self) -> Schema:
        raw = self.raw
        by_name = {o["name"]: i for i, o in enumerate(self.objects)}
        enum_by_name = {e["name"]: i for i, e in enumerate(self.enums_raw)}
        root_name = raw["root_table"]
        if not root_name:
            self.error(None, "", "the schema has no root_type", "add `root_type Event;`")
            raise SchemaErrors(self.errors)
        root = self.objects[by_name[root_name]]
        attrs = root["attributes"]
        for required in ("cpp_namespace", "schema_name", "run_context"):
            if required not in attrs:
                self.error(root, "table", f"root table {short(root_name)} lacks attribute '{required}'",
                           'e.g. table Event (cpp_namespace: "my::events", schema_name: "my", '
                           'run_context: "RunStarted") { timestamp_ns: long; data: EventData; }')
        fields = {f["name"]: f for f in root["fields"]}
        ts = fields.get("timestamp_ns")
        data = fields.get("data")
        if not ts or ts["type"]["base_type"] != "Long":
            self.error(root, "table", f"root table {short(root_name)} needs `timestamp_ns: long` (UTC ns since 1970)")
        if not data or data["type"]["base_type"] != "Union":
            self.error(root, "table", f"root table {short(root_name)} needs a union field `data`")
            raise SchemaErrors(self.errors)

        data_union = self.enums_raw[data["type"]["index"]]
        # Event tables (variant and category tables) are everything reachable
        # through unions from `data`; other tables are value tables.
        self.event_tables = set()
        members = [v for v in data_union["values"] if v["name"] != "NONE"]
        for m in members:
            self.event_tables.add(self.objects[m["union_type"]["index"]]["name"])
        for m in members:
            obj = self.objects[m["union_type"]["index"]]
            if "category" in obj["attributes"]:
                for f in obj["fields"]:
                    if f["type"]["base_type"] == "Union":
                        for v in self.enums_raw[f["type"]["index"]]["values"]:
                            if v["name"] != "NONE":
                                self.event_tables.add(self.objects[v["union_type"]["index"]]["name"])

        categories, markers, levels = [], {}, {}
        for m in members:
            obj = self.objects[m["union_type"]["index"]]
            cat_name = m["name"]
            self.check_name(obj, "table", cat_name, "category")
            if "category" in obj["attributes"]:
                unions = [f for f in obj["fields"] if f["type"]["base_type"] == "Union"]
                if len(obj["fields"]) != 2 or len(unions) != 1:  # union + its _type field
                    self.error(obj, "table", f"category table {cat_name} must hold exactly one union field",
                               f"e.g. table {cat_name} (category) {{ variant: {cat_name.lower()}.Variant; }}")
                    continue
                u = self.enums_raw[unions[0]["type"]["index"]]
                ns = namespace_of(u["name"])
                cpp_ns = short(ns) if ns else ""
                if not ns or ns == namespace_of(root_name):
                    self.error(u, "union", f"the union of category {cat_name} must live in a namespace of its own",
                               f"e.g. `namespace {namespace_of(root_name)}.{cat_name.lower()};` before its tables and union")
                    continue
                self.check_name(u, "union", cpp_ns, "category namespace")
                cat = Category(cat_name, m["value"], cpp_ns, cpp_name(obj["name"]), cpp_name(u["name"]), [], False)
                member_names = set()
                for v in u["values"]:
                    if v["name"] == "NONE":
                        continue
                    vobj = self.objects[v["union_type"]["index"]]
                    member_names.add(vobj["name"])
                    if namespace_of(vobj["name"]) != ns:
                        self.error(u, "union", f"union {short(u['name'])} of category {cat_name} lists "
                                   f"{vobj['name']}, which is outside the category's namespace {ns}",
                                   "declare each variant table in its category's namespace", needle=short(vobj["name"]))
                    cat.variants.append(self.variant(vobj, v["name"], v["value"], cat))
                # Every table in the category's namespace must be a variant.
                for o in self.objects:
                    if namespace_of(o["name"]) == ns and not o["is_struct"] and o["name"] not in member_names:
                        self.error(o, "table", f"table {short(o['name'])} is in category {cat_name}'s namespace "
                                   f"({ns}) but missing from its union {short(u['name'])}",
                                   f"add {short(o['name'])} to `union {short(u['name'])} {{ ... }}` "
                                   "(at the end, to keep old files readable), or move the table out of the namespace")
            else:
                cat = Category(cat_name, m["value"], "", cpp_name(obj["name"]), "", [], True)
                cat.variants.append(self.variant(obj, cat_name, m["value"], cat))
            for v in cat.variants:
                if v.legacy_marker:
                    if v.legacy_marker in markers:
                        other = markers[v.legacy_marker]
                        self.error(self.obj_named(v.wire), "table",
                                   f"duplicate legacy marker '{v.legacy_marker}' on {v.cpp}, also used by {other.cpp} "
                                   f"({self.site(other)})", "each legacy marker maps to exactly one variant",
                                   needle="legacy_marker")
                    else:
                        markers[v.legacy_marker] = v
                if v.legacy_level:
                    if v.legacy_level in levels:
                        self.error(self.obj_named(v.wire), "table", f"duplicate legacy_level '{v.legacy_level}' on "
                                   f"{v.cpp}, also used by {levels[v.legacy_level].cpp}", needle="legacy_level")
                    levels[v.legacy_level] = v
            categories.append(cat)

        # Generated names must not clash: variants within a category, value
        # types and categories in the value namespace.
        top = {}
        for kind, name, decl in ([("category", c.name, None) for c in categories] +
                                 [("enum", e.name, None) for e in self.enum_models.values()] +
                                 [("struct", s.name, None) for s in self.struct_models.values()] +
                                 [("table", t.name, None) for t in self.table_order]):
            if name in GENERATED_NAMES:
                self.error(self.obj_or_enum(name), "table", f"{kind} name '{name}' clashes with a name the "
                           "generator defines", f"rename it; reserved: {', '.join(sorted(GENERATED_NAMES))}")
            elif name in top and top[name] != kind:
                self.error(self.obj_or_enum(name), "table", f"{kind} name '{name}' clashes with a {top[name]} of the "
                           "same name in the generated C++ namespace", "rename one of them")
            top.setdefault(name, kind)
        for c in categories:
            if not c.is_record and c.ns in top:
                self.error(None, "", f"category namespace '{c.ns}' clashes with type '{c.ns}'")
            for v in c.variants:
                if not c.is_record and v.name in ("Unknown",):
                    self.error(self.obj_named(v.wire), "table", f"variant name '{v.name}' in category {c.name} "
                               "clashes with the generated unknown-variant type", "rename the variant")

        ctx_name = attrs.get("run_context", "")
        run_context = next((c.variants[0] for c in categories if c.is_record and c.name == ctx_name), None)
        if ctx_name and run_context is None:
            self.error(root, "table", f"run_context '{ctx_name}' is not a record member of union {short(data_union['name'])}",
                       "name a table listed directly in the data union", needle="run_context")

        if self.errors:
            raise SchemaErrors(self.errors)

        canonical = json.dumps({k: raw[k] for k in ("objects", "enums", "root_table", "file_ident")},
                               sort_keys=True).encode()
        fingerprint = int.from_bytes(hashlib.sha256(canonical).digest()[:8], "little")
        enums = [self.enum_models[i] for i in sorted(self.enum_models)]
        structs = [self.struct_models[i] for i in sorted(self.struct_models)]
        return Schema(
            name=attrs["schema_name"], path=raw["file"],
            include_basename=os.path.splitext(os.path.basename(raw["file"]))[0],
            cpp_namespace=attrs["cpp_namespace"], wire_namespace=cpp_name(namespace_of(root_name)),
            wire_root=cpp_name(root_name), wire_data_union=cpp_name(data_union["name"]), file_ident=raw["file_ident"], enums=enums, structs=structs,
            tables=self.table_order, categories=categories, run_context=run_context, fingerprint=fingerprint)

    def obj_named(self, cpp):
        wire = cpp.lstrip(":").replace("::", ".")
        return next((o for o in self.objects if o["name"] == wire), None)

    def obj_or_enum(self, name):
        return next((o for o in self.objects + self.enums_raw if short(o["name"]) == name), None)

    def site(self, v):
        obj = self.obj_named(v.wire)
        path = self.path_of(obj)
        return f"{self.rel(path)}:{locate.declaration(path, 'table', obj['name'])}"

    def variant(self, obj, name, tag, cat) -> Variant:
        attrs = obj["attributes"]
        self.check_name(obj, "table", name, "variant")
        fields = self.fields(obj, "table")
        display = parse_display(attrs.get("display", name))
        self.check_display(obj, "table", fields, [display])
        rotate = attrs.get("rotate_epoch")
        if rotate is not None:
            f = next((f for f in fields if f.name == rotate), None)
            if f is None or f.type.kind != "scalar" or f.type.base not in UNSIGNED or f.type.optional:
                self.error(obj, "table", f"rotate_epoch names '{rotate}', which is not an unsigned integer field of {name}",
                           "name the (non-optional) unsigned field that holds the epoch", needle="rotate_epoch")
        v = Variant(name, tag, cpp_name(obj["name"]), fields, obj["documentation"], display,
                    attrs.get("legacy_marker"), attrs.get("legacy_level"), rotate, cat)
        return v


def build(raw: dict) -> Schema:
    return _Builder(raw).build()
