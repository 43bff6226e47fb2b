"""One WASI preview 1 capability per invocation, named by the first argument, printing the same
lines as every other language's version of this sample (see samples/contract/wasi).

The sandbox capabilities try something a runtime must refuse when it was not granted, and print
`denied` when it was refused and `ALLOWED` (with what leaked) when it was not."""

import os
import sys
import time

# The variable the harness sets in its own environment, never in a guest's.
HOST_SECRET = "WASM_HARNESS_HOST_SECRET"
# The interpreter's own configuration, set by the launcher rather than by the case.
LAUNCHER_VARS = {"PYTHONHOME"}


def args(rest):
    print(f"argc={len(rest)}")
    for i, arg in enumerate(rest):
        print(f"arg[{i}]={arg}")


def env():
    for key, value in sorted(os.environ.items()):
        if key not in LAUNCHER_VARS:
            print(f"{key}={value}")


def clock():
    print(f"realtime_s={int(time.time())}")
    first = time.monotonic()
    second = time.monotonic()
    print("monotonic: " + ("non-decreasing" if second >= first else "WENT BACKWARDS"))
    time.sleep(0.01)
    print("sleep 10ms: " + ("elapsed" if time.monotonic() - first >= 0.01 else "TOO SHORT"))


def random():
    a, b = os.urandom(32), os.urandom(32)
    differ = a != b and any(a)
    print("random: 32 bytes, " + ("two draws differ" if differ else "DRAWS EQUAL"))


def file():
    path = "/data/file.txt"
    with open(path, "w") as f:
        f.write("0123456789\n")
    print("write: 11 bytes")
    with open(path, "r+b") as f:
        print("read: " + f.read().decode().rstrip("\n"))
        f.seek(4)
        print("seek 4, read 3: " + f.read(3).decode())
        print(f"seek end: {f.seek(0, os.SEEK_END)}")
        f.write(b"appended\n")
    print(f"size: {os.stat(path).st_size}")


def readdir():
    names = sorted(e.name + ("/" if e.is_dir() else "") for e in os.scandir("/fixture"))
    for name in names:
        print(name)


def exists(path):
    return "exists" if os.path.exists(path) else "absent"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def rename():
    write("/data/old.txt", "renamed\n")
    os.rename("/data/old.txt", "/data/new.txt")
    print(f"old.txt: {exists('/data/old.txt')}")
    print(f"new.txt: {exists('/data/new.txt')}")


def unlink():
    write("/data/doomed.txt", "gone\n")
    print(f"before: {exists('/data/doomed.txt')}")
    os.unlink("/data/doomed.txt")
    print(f"after: {exists('/data/doomed.txt')}")


def mkdir():
    os.mkdir("/data/made")
    os.mkdir("/data/made/inner")
    print(f"mkdir: {exists('/data/made/inner')}")
    os.rmdir("/data/made/inner")
    print(f"rmdir: {exists('/data/made/inner')}")
    os.mkdir("/data/kept")


def stdin():
    sys.stdout.buffer.write(sys.stdin.buffer.read())


def exit_(rest):
    try:
        code = int(rest[0])
    except (IndexError, ValueError):
        code = 3
    print(f"exiting with {code}")
    sys.stdout.flush()
    sys.exit(code)


def stderr():
    print("to stdout")
    print("to stderr", file=sys.stderr)


def sandbox_open(path):
    try:
        with open(path, "rb") as f:
            print(f"open {path}: ALLOWED ({len(f.read())} bytes read)")
    except OSError:
        print(f"open {path}: denied")


def sandbox_env():
    value = os.environ.get(HOST_SECRET)
    if value is None:
        print(f"env {HOST_SECRET}: denied")
    else:
        print(f"env {HOST_SECRET}: ALLOWED ({value})")


def main():
    if len(sys.argv) < 2:
        print("usage: wasi CAPABILITY [ARGS...]", file=sys.stderr)
        sys.exit(2)
    capability, rest = sys.argv[1], sys.argv[2:]
    actions = {
        "args": lambda: args(rest),
        "env": env,
        "clock": clock,
        "random": random,
        "file": file,
        "readdir": readdir,
        "rename": rename,
        "unlink": unlink,
        "mkdir": mkdir,
        "stdin": stdin,
        "exit": lambda: exit_(rest),
        "stderr": stderr,
        "sandbox-host-path": lambda: sandbox_open("/etc/passwd"),
        "sandbox-dotdot": lambda: sandbox_open("/sandbox/../etc/passwd"),
        "sandbox-env": sandbox_env,
    }
    action = actions.get(capability)
    if action is None:
        print(f"unknown capability: {capability}", file=sys.stderr)
        sys.exit(2)
    try:
        action()
    except OSError as err:
        print(f"{capability}: {err}", file=sys.stderr)
        sys.exit(1)


main()
