#!/usr/bin/env python3
"""Emits a C++ table of a Thrift IDL for wire/named_json (the /apibeta JSON API).

Usage: gen_idl_table.py IDL SERVICE OUT.cc

Reads the subset of Thrift that api/api.thrift uses (namespaces, constants, enums, structs,
unions, services with `extends`; field ids, `optional`, default values) and writes OUT.cc,
which defines borealis::wire::ApiIdl() (declared in src/borealis/wire/idl_table.h): every
struct and union with its fields (id, name, type with nested element types, optional),
every enum with its values, and every method of SERVICE including inherited ones (its
parameters and result type). Anything else in the IDL (includes, typedefs, exceptions,
throws clauses, oneway, annotations, unknown type names, duplicate ids or names, map keys
that JSON cannot name) fails the build with a message naming the file and line.
Debian's python3 only; no third-party modules.
"""
import re
import sys

BASE_TYPES = {
    "bool": "kBool", "byte": "kByte", "i8": "kByte", "i16": "kI16", "i32": "kI32",
    "i64": "kI64", "double": "kDouble", "string": "kString", "binary": "kBinary",
}
# Map keys the natural JSON form can spell as an object member name.
KEY_KINDS = {"kBool", "kByte", "kI16", "kI32", "kI64", "kString", "kEnum"}

TOKEN = re.compile(r"""
    (?P<space>[ \t\r]+) | (?P<newline>\n) |
    (?P<comment>//[^\n]*|\#[^\n]*|/\*.*?\*/) |
    (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*') |
    (?P<number>[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+) |
    (?P<ident>[A-Za-z_][A-Za-z0-9_.]*) |
    (?P<punct>[{}()<>\[\],;:=])
""", re.VERBOSE | re.DOTALL)


class IdlError(Exception):
    pass


class Parser:
    def __init__(self, path, text):
        self.path = path
        self.tokens = []  # (kind, text, line)
        line, pos = 1, 0
        while pos < len(text):
            m = TOKEN.match(text, pos)
            if not m:
                raise IdlError(f"{path}:{line}: unexpected character {text[pos]!r}")
            kind = m.lastgroup
            if kind in ("ident", "number", "string", "punct"):
                self.tokens.append((kind, m.group(), line))
            line += m.group().count("\n")
            pos = m.end()
        self.pos = 0
        self.structs = []   # (name, is_union, [(id, name, type, optional, line)], line)
        self.enums = []     # (name, [(name, value)], line)
        self.services = {}  # name -> (extends, [(name, [params], result, line)], line)

    def error(self, message, line=None):
        if line is None:
            line = self.tokens[self.pos][2] if self.pos < len(self.tokens) else "end"
        raise IdlError(f"{self.path}:{line}: {message}")

    def peek(self, offset=0):
        i = self.pos + offset
        return self.tokens[i][1] if i < len(self.tokens) else None

    def next(self):
        if self.pos >= len(self.tokens):
            self.error("unexpected end of file")
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, text):
        kind, got, line = self.next()
        if got != text:
            self.error(f"expected {text!r}, found {got!r}", line)

    def ident(self, what):
        kind, text, line = self.next()
        if kind != "ident":
            self.error(f"expected {what}, found {text!r}", line)
        return text

    def skip_separator(self):
        if self.peek() in (",", ";"):
            self.next()

    def parse(self):
        while self.pos < len(self.tokens):
            word = self.ident("a definition")
            if word == "namespace":
                self.ident("a language")
                self.ident("a namespace")
            elif word == "const":
                self.parse_type()
                self.ident("a constant name")
                self.expect("=")
                self.skip_value()
                self.skip_separator()
            elif word == "enum":
                self.parse_enum()
            elif word in ("struct", "union"):
                self.parse_struct(word == "union")
            elif word == "service":
                self.parse_service()
            else:
                self.error(f"'{word}' is not supported by tools/gen_idl_table.py",
                           self.tokens[self.pos - 1][2])

    def skip_value(self):
        kind, text, line = self.next()
        if text in ("[", "{"):
            close = "]" if text == "[" else "}"
            while self.peek() != close:
                self.skip_value()
                if self.peek() in (",", ";", ":"):
                    self.next()
            self.next()
        elif kind not in ("ident", "number", "string"):
            self.error(f"expected a constant value, found {text!r}", line)

    def parse_type(self):
        kind, text, line = self.next()
        if kind != "ident":
            self.error(f"expected a type, found {text!r}", line)
        if text in BASE_TYPES:
            return (text, [], line)
        if text in ("list", "set"):
            self.expect("<")
            elem = self.parse_type()
            self.expect(">")
            return (text, [elem], line)
        if text == "map":
            self.expect("<")
            key = self.parse_type()
            self.expect(",")
            value = self.parse_type()
            self.expect(">")
            return (text, [key, value], line)
        if text in ("void", "typedef", "exception"):
            self.error(f"type '{text}' is not supported here", line)
        return (text, [], line)  # a struct, union or enum, resolved later

    def parse_enum(self):
        line = self.tokens[self.pos - 1][2]
        name = self.ident("an enum name")
        self.expect("{")
        values, next_value = [], 0
        while self.peek() != "}":
            value_name = self.ident("an enum value name")
            if self.peek() == "=":
                self.next()
                kind, text, vline = self.next()
                if kind != "number" or not re.fullmatch(r"[+-]?\d+", text):
                    self.error(f"enum value {value_name} must be an integer", vline)
                next_value = int(text)
            values.append((value_name, next_value))
            next_value += 1
            self.skip_separator()
        self.next()
        self.enums.append((name, values, line))

    def parse_fields(self, close, owner):
        fields = []
        while self.peek() != close:
            kind, text, line = self.next()
            if kind != "number" or not re.fullmatch(r"\d+", text):
                self.error(f"{owner}: every field needs a positive id, found {text!r}", line)
            self.expect(":")
            optional = False
            if self.peek() in ("optional", "required"):
                if self.next()[1] == "required":
                    self.error(f"{owner}: 'required' fields are not supported", line)
                optional = True
            ftype = self.parse_type()
            fname = self.ident("a field name")
            if self.peek() == "=":
                self.next()
                self.skip_value()  # defaults live in the generated Thrift code, not here
            if self.peek() == "(":
                self.error(f"{owner}.{fname}: annotations are not supported", line)
            self.skip_separator()
            fields.append((int(text), fname, ftype, optional, line))
        self.next()
        return fields

    def parse_struct(self, is_union):
        line = self.tokens[self.pos - 1][2]
        name = self.ident("a struct name")
        self.expect("{")
        self.structs.append((name, is_union, self.parse_fields("}", name), line))

    def parse_service(self):
        line = self.tokens[self.pos - 1][2]
        name = self.ident("a service name")
        extends = None
        if self.peek() == "extends":
            self.next()
            extends = self.ident("a service name")
        self.expect("{")
        methods = []
        while self.peek() != "}":
            mline = self.tokens[self.pos][2]
            if self.peek() == "oneway":
                self.error(f"{name}: oneway methods are not supported", mline)
            result = self.parse_type()
            mname = self.ident("a method name")
            self.expect("(")
            params = self.parse_fields(")", f"{name}.{mname}")
            if self.peek() == "throws":
                self.error(f"{name}.{mname}: throws clauses are not supported", mline)
            self.skip_separator()
            methods.append((mname, params, result, mline))
        self.next()
        self.services[name] = (extends, methods, line)


class Emitter:
    def __init__(self, parser):
        self.p = parser
        self.kinds = {}
        for name, is_union, _, line in parser.structs:
            self.define(name, "kStruct", line)
        for name, _, line in parser.enums:
            self.define(name, "kEnum", line)

    def define(self, name, kind, line):
        if name in self.kinds or name in BASE_TYPES:
            self.p.error(f"'{name}' is defined twice", line)
        self.kinds[name] = kind

    def type_expr(self, t, where):
        name, args, line = t
        if name in BASE_TYPES:
            return f"IdlType{{IdlKind::{BASE_TYPES[name]}, \"\", {{}}}}"
        if name in ("list", "set", "map"):
            inner = ", ".join(self.type_expr(a, where) for a in args)
            if name == "map" and self.kind_of(args[0]) not in KEY_KINDS:
                self.p.error(f"{where}: map keys of type '{args[0][0]}' have no JSON form", line)
            kind = {"list": "kList", "set": "kSet", "map": "kMap"}[name]
            return f"IdlType{{IdlKind::{kind}, \"\", {{{inner}}}}}"
        if name not in self.kinds:
            self.p.error(f"{where}: unknown type '{name}'", line)
        return f"IdlType{{IdlKind::{self.kinds[name]}, \"{name}\", {{}}}}"

    def kind_of(self, t):
        name = t[0]
        if name in BASE_TYPES:
            return BASE_TYPES[name]
        return self.kinds.get(name, "?")

    def fields_expr(self, fields, owner, indent):
        seen_ids, seen_names, out = set(), set(), []
        for fid, fname, ftype, optional, line in fields:
            if fid in seen_ids or fname in seen_names:
                self.p.error(f"{owner}: field id {fid} or name '{fname}' appears twice", line)
            seen_ids.add(fid)
            seen_names.add(fname)
            t = self.type_expr(ftype, f"{owner}.{fname}")
            out.append(f"{indent}IdlField{{{fid}, \"{fname}\", {t}, "
                       f"{'true' if optional else 'false'}}},")
        return "\n".join(out)

    def service_methods(self, service):
        chain, seen = [], set()
        while service is not None:
            if service not in self.p.services:
                self.p.error(f"unknown service '{service}'", 1)
            if service in seen:
                self.p.error(f"service '{service}' extends itself", 1)
            seen.add(service)
            extends, methods, _ = self.p.services[service]
            chain.append((service, methods))
            service = extends
        out, names = [], set()
        for service_name, methods in reversed(chain):
            for mname, params, result, line in methods:
                if mname in names:
                    self.p.error(f"method '{mname}' is defined twice", line)
                names.add(mname)
                out.append((service_name, mname, params, result))
        return out

    def emit(self, service, idl_name):
        lines = [
            f"// Generated by tools/gen_idl_table.py from {idl_name}; do not edit.",
            '#include "borealis/wire/idl_table.h"',
            "",
            "namespace borealis::wire {",
            "",
            "const IdlTable& ApiIdl() {",
            "  static const IdlTable* const table = new IdlTable(",
            "      std::vector<IdlStruct>{",
        ]
        for name, is_union, fields, _ in self.p.structs:
            lines.append(f"          IdlStruct{{\"{name}\", {'true' if is_union else 'false'}, {{")
            body = self.fields_expr(fields, name, " " * 14)
            if body:
                lines.append(body)
            lines.append("          }},")
        lines.append("      },")
        lines.append("      std::vector<IdlEnum>{")
        for name, values, line in self.p.enums:
            seen = set()
            for value_name, _ in values:
                if value_name in seen:
                    self.p.error(f"{name}: value '{value_name}' appears twice", line)
                seen.add(value_name)
            inner = ", ".join(f"{{\"{v}\", {n}}}" for v, n in values)
            lines.append(f"          IdlEnum{{\"{name}\", {{{inner}}}}},")
        lines.append("      },")
        lines.append("      std::vector<IdlMethod>{")
        for service_name, mname, params, result in self.service_methods(service):
            where = f"{service_name}.{mname}"
            lines.append(f"          IdlMethod{{\"{mname}\", \"{service_name}\", {{")
            body = self.fields_expr(params, where, " " * 14)
            if body:
                lines.append(body)
            lines.append(f"          }}, {self.type_expr(result, where)}}},")
        lines.append("      });")
        lines.append("  return *table;")
        lines.append("}")
        lines.append("")
        lines.append("}  // namespace borealis::wire")
        return "\n".join(lines) + "\n"


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    idl_path, service, out_path = argv[1:]
    try:
        with open(idl_path, encoding="utf-8") as f:
            parser = Parser(idl_path, f.read())
        parser.parse()
        text = Emitter(parser).emit(service, idl_path.replace("\\", "/").split("/")[-1])
    except IdlError as e:
        print(f"gen_idl_table.py: {e}", file=sys.stderr)
        return 1
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
