"""Schema model → generated files, through the Jinja2 templates."""
import json
import os

import jinja2

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")

# output suffix → template
OUTPUTS = {
    ".h": "events.h.j2",
    "_codec.cc": "codec.cc.j2",
    "_text.cc": "text.cc.j2",
    "_random.h": "random.h.j2",
    "_matchers.h": "matchers.h.j2",
    "_legacy.h": "legacy.h.j2",
    "_legacy.cc": "legacy.cc.j2",
}


def cpp_string(text: str) -> str:
    """A C++ string literal for `text` (UTF-8 kept, quotes/controls escaped)."""
    return json.dumps(text, ensure_ascii=False)


def doc(lines, indent=""):
    if not lines:
        return ""
    return "".join(f"{indent}///{line}\n" for line in lines)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    env.filters["cpp_string"] = cpp_string
    env.globals["doc"] = doc
    return env


def render(schema, name: str, package: str, source: str, wire_header: str) -> dict:
    """Returns {file name: text} for library `name` in Bazel package `package`."""
    env = environment()
    prefix = f"{package}/" if package else ""
    context = dict(schema=schema, source=source, header_path=f"{prefix}{name}.h",
                   wire_header=wire_header)
    files = {}
    for suffix, template in OUTPUTS.items():
        text = env.get_template(template).render(template=f"codegen/templates/{template}", **context)
        files[f"{name}{suffix}"] = text
    return files
