"""Writes generated files atomically: all to a temp dir, then moved in place,
so a failed run never leaves half-written output. Unchanged files are left
untouched (keeps timestamps, and builds, stable)."""
import os
import shutil
import tempfile


def write(files: dict, out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".eventgen-") as tmp:
        for name, text in files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        for name, text in files.items():
            dest = os.path.join(out_dir, name)
            if os.path.exists(dest):
                with open(dest, encoding="utf-8") as f:
                    if f.read() == text:
                        continue
            shutil.move(os.path.join(tmp, name), dest)
