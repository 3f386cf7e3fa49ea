"""Runs fbs_dump (libflatbuffers' parser) and returns the parsed schema."""
import json
import os
import subprocess

from .errors import SchemaError, SchemaErrors


def load(fbs_dump: str, schema_path: str, include_dirs=()) -> dict:
    cmd = [fbs_dump, schema_path]
    for d in include_dirs:
        cmd += ["-I", d]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        # flatc's parser already says `file:line: col: error: ...`.
        raise SchemaErrors([SchemaError(schema_path, 0, proc.stderr.strip() or "FlatBuffers parser failed")])
    raw = json.loads(proc.stdout)
    raw["file"] = schema_path
    base = os.path.dirname(os.path.abspath(schema_path))
    raw["base_dir"] = base
    return raw
