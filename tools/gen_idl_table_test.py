#!/usr/bin/env python3
"""Tests of gen_idl_table.py: what it emits for a small IDL, and that whatever it does not
understand fails with the file and line. Run by ctest as `gen_idl_table_test`."""
import os
import subprocess
import sys
import tempfile
import unittest

GENERATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gen_idl_table.py")

GOOD = """
namespace cpp x  // a comment
enum Color { RED = 1, GREEN, BLUE = 7 }
struct Inner { 1: optional i32 n = 3 }
union Choice { 1: Inner inner; 2: string label }
const set<Color> WARM = [Color.RED]
service Base { Response ping() }
service Top extends Base {
  Inner get(4: map<Color, list<Inner>> m, 2: set<i64> ids)
}
struct Response { 1: Color color }
"""


def Generate(idl, service="Top"):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.thrift")
        out = os.path.join(d, "out.cc")
        with open(path, "w", encoding="utf-8") as f:
            f.write(idl)
        r = subprocess.run([sys.executable, GENERATOR, path, service, out],
                           capture_output=True, text=True, check=False)
        text = ""
        if r.returncode == 0:
            with open(out, encoding="utf-8") as f:
                text = f.read()
        return r.returncode, r.stderr, text


class GenIdlTableTest(unittest.TestCase):
    def test_emits_structs_enums_and_inherited_methods(self):
        code, err, text = Generate(GOOD)
        self.assertEqual(code, 0, err)
        self.assertIn('IdlEnum{"Color", {{"RED", 1}, {"GREEN", 2}, {"BLUE", 7}}}', text)
        self.assertIn('IdlField{1, "n", IdlType{IdlKind::kI32, "", {}}, true}', text)
        self.assertIn('IdlStruct{"Choice", true, {', text)
        self.assertLess(text.index('IdlMethod{"ping", "Base"'), text.index('IdlMethod{"get", "Top"'))
        self.assertIn('IdlField{4, "m", IdlType{IdlKind::kMap, "", {IdlType{IdlKind::kEnum, '
                      '"Color", {}}, IdlType{IdlKind::kList, "", {IdlType{IdlKind::kStruct, '
                      '"Inner", {}}}}}}, false}', text)

    def test_refuses_what_it_does_not_understand(self):
        cases = {
            "typedef i32 Id\n": "t.thrift:1: 'typedef' is not supported",
            "exception E { 1: string m }\n": "t.thrift:1: 'exception' is not supported",
            'include "other.thrift"\n': "t.thrift:1: 'include' is not supported",
            "struct A {\n 1: Missing m\n}\n": "t.thrift:2: A.m: unknown type 'Missing'",
            "struct A {\n 1: required i32 m\n}\n": "t.thrift:2: A: 'required' fields",
            "struct A { 1: i32 a, 1: i32 b }\n": "A: field id 1 or name 'b' appears twice",
            "struct A { i32 a }\n": "A: every field needs a positive id",
            "struct K {}\nstruct A { 1: map<K, i32> m }\n": "map keys of type 'K' have no JSON form",
            "struct A { 1: i32 a (x = 'y') }\n": "A.a: annotations are not supported",
            "struct A {}\nservice Top { A f() throws (1: A e) }\n": "Top.f: throws clauses",
            "service Top { oneway void f() }\n": "Top: oneway methods are not supported",
            "service Top { i32 f(), i32 f() }\n": "method 'f' is defined twice",
            "struct A {}\nenum A { X }\n": "'A' is defined twice",
            "service Other {}\n": "unknown service 'Top'",
            "struct A { 1: i32 a $ }\n": "unexpected character '$'",
        }
        for idl, message in cases.items():
            code, err, _ = Generate(idl)
            self.assertEqual(code, 1, idl)
            self.assertIn(message, err, idl)


if __name__ == "__main__":
    unittest.main()
