// fbs_dump: parses a FlatBuffers schema with the real FlatBuffers parser
// (libflatbuffers' flatbuffers::Parser, the one inside flatc), serialises it
// as a binary schema (reflection.fbs) and prints that as JSON for the Python
// generator. The generator never parses .fbs text itself.
//
// Usage: fbs_dump SCHEMA.fbs [-I DIR]...   (JSON on stdout)
// Exit 1 with flatc's own "file:line: col: error: ..." text on a parse error.
#include <flatbuffers/idl.h>
#include <flatbuffers/reflection_generated.h>
#include <flatbuffers/util.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

template <class V>
json attributes(const V* kvs) {
  json out = json::object();
  if (kvs == nullptr) return out;
  for (const auto* kv : *kvs) {
    out[kv->key()->str()] = kv->value() ? kv->value()->str() : "";
  }
  return out;
}

template <class V>
json documentation(const V* docs) {
  json out = json::array();
  if (docs == nullptr) return out;
  for (const auto* line : *docs) out.push_back(line->str());
  return out;
}

json type_json(const reflection::Type* t) {
  return {{"base_type", reflection::EnumNameBaseType(t->base_type())},
          {"element", reflection::EnumNameBaseType(t->element())},
          {"index", t->index()},
          {"fixed_length", t->fixed_length()}};
}

json object_json(const reflection::Object* o) {
  json fields = json::array();
  for (const auto* f : *o->fields()) {
    fields.push_back({{"name", f->name()->str()},
                      {"type", type_json(f->type())},
                      {"id", f->id()},
                      {"default_integer", f->default_integer()},
                      {"default_real", f->default_real()},
                      {"deprecated", f->deprecated()},
                      {"required", f->required()},
                      {"optional", f->optional()},
                      {"attributes", attributes(f->attributes())},
                      {"documentation", documentation(f->documentation())}});
  }
  return {{"name", o->name()->str()},
          {"is_struct", o->is_struct()},
          {"bytesize", o->bytesize()},
          {"fields", fields},
          {"attributes", attributes(o->attributes())},
          {"documentation", documentation(o->documentation())},
          {"declaration_file",
           o->declaration_file() ? o->declaration_file()->str() : ""}};
}

json enum_json(const reflection::Enum* e) {
  json values = json::array();
  for (const auto* v : *e->values()) {
    json value = {{"name", v->name()->str()}, {"value", v->value()}};
    if (v->union_type() != nullptr) value["union_type"] = type_json(v->union_type());
    value["documentation"] = documentation(v->documentation());
    values.push_back(value);
  }
  return {{"name", e->name()->str()},
          {"is_union", e->is_union()},
          {"underlying_type", type_json(e->underlying_type())},
          {"values", values},
          {"attributes", attributes(e->attributes())},
          {"documentation", documentation(e->documentation())},
          {"declaration_file",
           e->declaration_file() ? e->declaration_file()->str() : ""}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: fbs_dump SCHEMA.fbs [-I DIR]...\n");
    return 2;
  }
  const std::string path = argv[1];
  std::vector<std::string> include_dirs;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "-I") include_dirs.push_back(argv[i + 1]);
  }
  std::string source;
  if (!flatbuffers::LoadFile(path.c_str(), false, &source)) {
    std::fprintf(stderr, "%s: error: cannot read schema file\n", path.c_str());
    return 1;
  }
  std::vector<const char*> includes;
  for (const auto& d : include_dirs) includes.push_back(d.c_str());
  includes.push_back(nullptr);

  flatbuffers::IDLOptions opts;
  opts.binary_schema_comments = true;
  opts.binary_schema_builtins = true;
  // Makes the binary schema record which file declared each type, relative
  // to the main schema's folder (printed as "//name.fbs").
  opts.project_root = flatbuffers::StripFileName(flatbuffers::AbsolutePath(path));
  flatbuffers::Parser parser(opts);
  if (!parser.Parse(source.c_str(), includes.data(), path.c_str())) {
    std::fprintf(stderr, "%s", parser.error_.c_str());
    if (parser.error_.empty() || parser.error_.back() != '\n') std::fputc('\n', stderr);
    return 1;
  }
  parser.Serialize();
  const auto* schema = reflection::GetSchema(parser.builder_.GetBufferPointer());

  json objects = json::array();
  for (const auto* o : *schema->objects()) objects.push_back(object_json(o));
  json enums = json::array();
  for (const auto* e : *schema->enums()) enums.push_back(enum_json(e));
  json out = {{"file", path},
              {"file_ident", schema->file_ident() ? schema->file_ident()->str() : ""},
              {"root_table", schema->root_table() ? schema->root_table()->name()->str() : ""},
              {"objects", objects},
              {"enums", enums}};
  std::cout << out.dump(1) << "\n";
  return 0;
}
