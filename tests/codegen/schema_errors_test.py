"""Every schema error the generator knows fails with file:line, the name
involved and what to do. One test per error (glean_parser's habit).

Run by Bazel: schema_errors_test.sh FBS_DUMP CODEGEN_DIR
"""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

FBS_DUMP = os.path.abspath(sys.argv[1])
CODEGEN_PARENT = os.path.abspath(sys.argv[2])

HEADER = textwrap.dedent("""\
    attribute "cpp_namespace"; attribute "schema_name"; attribute "run_context";
    attribute "category"; attribute "display"; attribute "rotate_epoch";
    attribute "optional"; attribute "interval"; attribute "legacy_marker";
    attribute "legacy_level"; attribute "legacy";
    """)

ENVELOPE = textwrap.dedent("""\
    namespace t.wire;
    table Start { node: string; }
    table Work (category) { variant: t.wire.work.Variant; }
    union Data { Start, Work }
    table Event (cpp_namespace: "t::events", schema_name: "t", run_context: "Start") {
      timestamp_ns: long;
      data: Data;
    }
    root_type Event;
    """)


def generate(body: str, envelope: str = ENVELOPE):
    """Runs eventgen on HEADER + body + envelope; returns (exit code, stderr, path)."""
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "bad.fbs")
    with open(path, "w") as f:
        f.write(HEADER + textwrap.dedent(body) + envelope)
    proc = subprocess.run(
        [sys.executable, "-m", "eventgen", "--fbs-dump", FBS_DUMP, "--schema", path,
         "--name", "bad_events", "--wire-header", "bad_generated.h", "--out", os.path.join(tmp, "out")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": CODEGEN_PARENT})
    return proc.returncode, proc.stderr, path


def shown(path: str) -> str:
    """How the generator prints a path: relative inside the cwd, else absolute."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def line_of(path: str, needle: str) -> int:
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise AssertionError(f"{needle!r} not in {path}")


class SchemaErrors(unittest.TestCase):
    def assertError(self, body, needle, *phrases, envelope=ENVELOPE):
        code, err, path = generate(body, envelope)
        self.assertEqual(code, 1, f"expected failure, got {code}; stderr:\n{err}")
        where = f"{shown(path)}:{line_of(path, needle)}: error:"
        self.assertIn(where, err, f"error not located at the line containing {needle!r}")
        for p in phrases:
            self.assertIn(p, err)
        self.assertFalse(os.path.exists(os.path.join(os.path.dirname(path), "out", "bad_events.h")),
                         "a failed run must not leave output")
        return err

    def test_valid_schema_generates(self):
        code, err, path = generate("""\
            namespace t.wire.work;
            table Begun (display: "begun {id}") { id: ulong; }
            union Variant { Begun }
            """)
        self.assertEqual(code, 0, err)
        self.assertTrue(os.path.exists(os.path.join(os.path.dirname(path), "out", "bad_events.h")))

    def test_table_in_category_namespace_missing_from_union(self):
        self.assertError("""\
            namespace t.wire.work;
            table Begun { id: ulong; }
            table Forgotten { id: ulong; }
            union Variant { Begun }
            """, "table Forgotten", "Forgotten", "missing from its union Variant", "add Forgotten to")

    def test_display_names_missing_field(self):
        self.assertError("""\
            namespace t.wire.work;
            table Begun (display: "begun {idd}") { id: ulong; }
            union Variant { Begun }
            """, "{idd}", "names field 'idd', which does not exist", "fields are: id")

    def test_duplicate_legacy_marker_cites_both_sites(self):
        code, err, path = generate("""\
            namespace t.wire.work;
            table Begun (legacy_marker: "m") { id: ulong; }
            table Ended (legacy_marker: "m") { id: ulong; }
            union Variant { Begun, Ended }
            """)
        self.assertEqual(code, 1)
        self.assertIn(f"{shown(path)}:{line_of(path, 'table Ended')}: error: duplicate legacy marker 'm'", err)
        self.assertIn(f"also used by work::Begun ({shown(path)}:{line_of(path, 'table Begun')})", err)

    def test_unsupported_field_type(self):
        self.assertError("""\
            namespace t.wire.work;
            table Begun {
              ids: [ulong];
            }
            union Variant { Begun }
            """, "ids:", "field 'ids' of Begun has an unsupported type: a vector of ULong", "may be bool")

    def test_field_named_like_a_cpp_keyword(self):
        self.assertError("""\
            namespace t.wire.work;
            table Begun {
              id: ulong;
              register: ulong;
            }
            union Variant { Begun }
            """, "register:", "'register' is a C++ keyword")

    def test_type_named_like_a_generated_name(self):
        self.assertError("""\
            namespace t.wire;
            table Codec { x: ulong; }
            namespace t.wire.work;
            table Begun { c: t.wire.Codec; }
            union Variant { Begun }
            """, "table Codec", "'Codec' clashes with a name the generator defines")

    def test_variant_named_unknown_clashes(self):
        self.assertError("""\
            namespace t.wire.work;
            table Unknown { id: ulong; }
            union Variant { Unknown }
            """, "table Unknown", "clashes with the generated unknown-variant type")

    def test_rotate_epoch_must_name_an_unsigned_field(self):
        self.assertError("""\
            namespace t.wire.work;
            table Begun (rotate_epoch: "epoch") { id: ulong; }
            union Variant { Begun }
            """, "(rotate_epoch:", "rotate_epoch names 'epoch'")

    def test_unknown_legacy_conversion(self):
        self.assertError("""\
            namespace t.wire.work;
            table Begun { id: ulong (legacy: "@sparkle"); }
            union Variant { Begun }
            """, "id: ulong", "unknown legacy conversion '@sparkle'", "@display")

    def test_enum_display_names_missing_value(self):
        self.assertError("""\
            namespace t.wire;
            enum Color : byte (display: "Purple=purple") { Red }
            namespace t.wire.work;
            table Begun { c: t.wire.Color; }
            union Variant { Begun }
            """, "Purple=purple", "display names 'Purple', which is not a value of enum Color")

    def test_syntax_error_is_flatcs_own_message_with_line(self):
        code, err, path = generate("""\
            namespace t.wire.work;
            table Begun { id: ulong }
            union Variant { Begun }
            """)
        self.assertEqual(code, 1)
        self.assertIn(f"{path}:{line_of(path, 'table Begun')}:", err)
        self.assertIn("error", err)

    def test_all_errors_are_reported_at_once(self):
        code, err, _ = generate("""\
            namespace t.wire.work;
            table Begun (display: "{nope}") { id: ulong; }
            table Forgotten { id: ulong; }
            union Variant { Begun }
            """)
        self.assertEqual(code, 1)
        self.assertIn("2 error(s)", err)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
