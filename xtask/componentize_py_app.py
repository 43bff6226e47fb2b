"""Generic componentize-py wrapper: runs the one plain script bundled next to this file as
`__main__` when the host calls wasi:cli/run#run.

Build time (componentize-py pre-initialisation imports this module): read and compile the script,
and import every module it names, since only modules imported now are in the snapshot; the
stdlib is not mounted at run time.  Run time: set argv[0] to the script name (componentize-py
has already refreshed sys.argv and os.environ from wasi:cli/environment), exec the code in a
fresh `__main__`, and map SystemExit to the exit status."""

import ast
import builtins
import importlib
import linecache
import os
import sys
import traceback
import types

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import exit as wasi_exit

_HERE = os.path.dirname(os.path.abspath(__file__))
_SCRIPTS = sorted(n for n in os.listdir(_HERE) if n.endswith(".py") and n != "app.py")
if len(_SCRIPTS) != 1:
    raise RuntimeError(f"app.py wants exactly one script beside it, found {_SCRIPTS}")
SCRIPT = _SCRIPTS[0]
with open(os.path.join(_HERE, SCRIPT), encoding="utf-8") as _f:
    _SOURCE = _f.read()
_TREE = ast.parse(_SOURCE, SCRIPT)
CODE = compile(_TREE, SCRIPT, "exec", dont_inherit=True)
# Keep the source for tracebacks (mtime None: linecache never tries to re-read the file).
linecache.cache[SCRIPT] = (len(_SOURCE), None, _SOURCE.splitlines(True), SCRIPT)
for _node in ast.walk(_TREE):
    if isinstance(_node, ast.Import):
        _names = [a.name for a in _node.names]
    elif isinstance(_node, ast.ImportFrom) and _node.level == 0 and _node.module:
        _names = [_node.module]
    else:
        continue
    for _name in _names:
        try:
            importlib.import_module(_name)
        except ImportError:
            pass  # the script fails at run time exactly as it would without the module


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _status(exc):
    """CPython's own mapping of SystemExit.code to an exit status."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


class Run(exports.Run):
    def run(self) -> None:
        sys.argv[:1] = [SCRIPT]
        main = types.ModuleType("__main__")
        main.__file__ = SCRIPT
        main.__builtins__ = builtins
        sys.modules["__main__"] = main
        status = 0
        try:
            exec(CODE, main.__dict__)
        except SystemExit as exc:
            status = _status(exc)
        except BaseException:
            traceback.print_exc()
            status = 1
        _flush()
        if status == 0:
            return
        exit_with_code = getattr(wasi_exit, "exit_with_code", None)  # absent from pre-0.2.12 WIT
        if status == 1 or exit_with_code is None:
            raise Err(None)  # run returns err: the host exits with status 1
        exit_with_code(status)  # does not return
