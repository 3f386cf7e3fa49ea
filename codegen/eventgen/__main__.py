"""eventgen command line: python3 -m eventgen --fbs-dump BIN --schema S.fbs --name N --package P --out DIR"""
import argparse
import sys

from . import loader, model, output, render
from .errors import SchemaErrors


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="eventgen", description=__doc__)
    p.add_argument("--fbs-dump", required=True, help="path of the fbs_dump binary (FlatBuffers parser)")
    p.add_argument("--schema", required=True, help="the .fbs schema")
    p.add_argument("--name", required=True, help="library name: output files are NAME.h, NAME_*.cc")
    p.add_argument("--package", default="", help="Bazel package of the outputs (include prefix)")
    p.add_argument("--wire-header", required=True, help="include path of flatc's generated header")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("-I", dest="includes", action="append", default=[], help="schema include directory")
    args = p.parse_args(argv)
    try:
        raw = loader.load(args.fbs_dump, args.schema, args.includes)
        schema = model.build(raw)
    except SchemaErrors as e:
        for err in e.errors:
            print(err, file=sys.stderr)
        print(f"eventgen: {len(e.errors)} error(s) in schema {args.schema}", file=sys.stderr)
        return 1
    files = render.render(schema, args.name, args.package, args.schema, args.wire_header)
    output.write(files, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
