"""Packs the part of a CPython standard library that a script needs into a zip for zipimport.

usage: python3 pack_stdlib.py STDLIB_DIR SCRIPT OUT_ZIP

The modules are those the script imports, found by modulefinder searching STDLIB_DIR only, plus the
`encodings` package that the interpreter imports at start-up. Modules compiled into the interpreter
(sys, time, _sha256, ...) need no file. When this host Python has the same bytecode version as the
guest (3.11), modules are stored as .pyc so the guest does not compile them on every run; otherwise
as source. The zip is stored, not deflated, so that zipimport needs no zlib.
"""

import modulefinder
import os
import py_compile
import sys
import tempfile
import zipfile


def main():
    stdlib, script, out = sys.argv[1:4]
    stdlib = os.path.abspath(stdlib)
    finder = modulefinder.ModuleFinder(path=[stdlib, os.path.dirname(os.path.abspath(script))])
    finder.run_script(script)
    for name in ("encodings", "encodings.aliases", "encodings.utf_8", "encodings.latin_1"):
        finder.import_hook(name)

    files = set()
    for module in finder.modules.values():
        path = module.__file__
        if path and os.path.abspath(path).startswith(stdlib + os.sep) and path.endswith(".py"):
            files.add(os.path.abspath(path))
    # A package's submodules that modulefinder cannot see (encodings looks codecs up by name).
    for name in os.listdir(os.path.join(stdlib, "encodings")):
        if name.endswith(".py"):
            files.add(os.path.join(stdlib, "encodings", name))

    compiled = sys.version_info[:2] == (3, 11)
    tmp = out + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf, tempfile.TemporaryDirectory() as work:
        for path in sorted(files):
            rel = os.path.relpath(path, stdlib)
            if compiled:
                pyc = os.path.join(work, rel + "c")
                os.makedirs(os.path.dirname(pyc), exist_ok=True)
                py_compile.compile(path, cfile=pyc, dfile=rel, doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                zf.write(pyc, rel + "c")
            else:
                zf.write(path, rel)
    os.replace(tmp, out)
    missing = sorted(n for n in finder.badmodules if not n.startswith("_") and "." not in n)
    print(f"pack_stdlib: {len(files)} modules ({'bytecode' if compiled else 'source'}) -> {out}"
          + (f"; not found (imported conditionally?): {', '.join(missing)}" if missing else ""))


if __name__ == "__main__":
    main()
