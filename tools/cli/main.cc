// eventkit: the command-line tool for psyche event files (docs/cli.md).
#include "tools/cli/psyche_schema.h"
#include "tools/cli/tool.h"

int main(int argc, char** argv) { return eventkit::cli::run_tool<eventkit::cli::PsycheSchema>(argc, argv); }
