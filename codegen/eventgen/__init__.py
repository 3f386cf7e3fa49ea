"""eventgen: FlatBuffers schema → C++ event library.

Pipeline (each step its own module, each testable alone):
  loader.load()     run the real FlatBuffers parser (fbs_dump) → raw dict
  model.build()     raw dict → validated Schema model (all errors, file:line)
  render.render()   Schema → {filename: text} through Jinja2 templates
  output.write()    write files atomically (temp dir, then move)
"""
