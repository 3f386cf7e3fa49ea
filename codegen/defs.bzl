"""cc_event_library: a FlatBuffers event schema in, a C++ library out.

    load("//codegen:defs.bzl", "cc_event_library")
    cc_event_library(
        name = "psyche_events",
        schema = "psyche.fbs",
        includes = ["psyche_types.fbs"],   # schemas psyche.fbs includes
    )

Produces (in the schema's package, included as "<package>/<file>"):
  <name>.h                 value types, Codec, display, JSON, reflection
  <name>_codec.cc, <name>_text.cc
  <name>_random.h          random values of every type (tests, fuzzing, benchmarks)
  <name>_matchers.h        gMock matchers for every variant (in :<name>_matchers)
  <name>_legacy.h/.cc      legacy log-marker adapters (docs/legacy.md)
  <schema>_generated.h     flatc's wire classes (an implementation detail)
and targets:
  :<name>          the cc_library to depend on
  :<name>_srcs     the generated sources (for golden tests)
Modelled on FlatBuffers' flatbuffer_cc_library (a genrule + cc_library).
"""

load("@rules_cc//cc:defs.bzl", "cc_library")

_FLATC = "@system//:bin/flatc"
_PY = "/usr/bin/python3"  # Debian's Python, where python3-jinja2 lives

def _base(path):
    name = path.split("/")[-1]
    return name[:-len(".fbs")] if name.endswith(".fbs") else name

def cc_event_library(name, schema, includes = [], deps = [], visibility = None, **kwargs):
    pkg = native.package_name()
    wire_header = _base(schema) + "_generated.h"
    generated = [name + ".h", name + "_codec.cc", name + "_text.cc", name + "_random.h", name + "_matchers.h",
                 name + "_legacy.h", name + "_legacy.cc"]

    # flatc: wire classes and the Verifier for the schema and all it includes.
    native.genrule(
        name = name + "_wire",
        srcs = [schema] + includes,
        outs = [wire_header],
        tools = [_FLATC],
        cmd = ("$(location %s) --cpp --scoped-enums --gen-all --include-prefix %s " +
               "-o $(@D) $(location %s)") % (_FLATC, pkg + "/" if pkg else "", schema),
        visibility = visibility,
    )

    # eventgen: parse (fbs_dump) → model → Jinja2 templates → files.
    native.genrule(
        name = name + "_gen",
        srcs = [schema] + includes,
        outs = generated,
        tools = ["//codegen:fbs_dump", "//codegen:eventgen"],
        cmd = ("PYTHONPATH=$$(dirname $$(dirname $$(echo $(locations //codegen:eventgen) | " +
               "tr ' ' '\\n' | grep '/eventgen/__init__.py$$'))) " +
               "%s -m eventgen --fbs-dump $(location //codegen:fbs_dump) " +
               "--schema $(location %s) --name %s --package %s --wire-header %s --out $(@D)") %
              (_PY, schema, name, pkg, (pkg + "/" if pkg else "") + wire_header),
        visibility = visibility,
    )

    native.filegroup(
        name = name + "_srcs",
        srcs = generated,
        visibility = visibility,
    )

    cc_library(
        name = name,
        srcs = [name + "_codec.cc", name + "_text.cc", name + "_legacy.cc", wire_header],
        hdrs = [name + ".h", name + "_random.h", name + "_legacy.h"],
        deps = deps + [
            "//codegen:support",
            "//runtime:store",
            "//codegen:legacy_support",
            "@system//:flatbuffers",
            "@system//:nlohmann_json",
        ],
        visibility = visibility,
        **kwargs
    )

    # Test-only: the gMock matchers, kept apart so production code never
    # links gMock.
    cc_library(
        name = name + "_matchers",
        hdrs = [name + "_matchers.h"],
        deps = [":" + name, "@system//:gmock"],
        testonly = True,
        visibility = visibility,
    )
