"""The wasm-basics hello program: prints a greeting and writes a file into a preopened directory."""

import sys

print("Hello, Wasm!")
try:
    with open("/helloworld/helloworld.txt", "w") as f:
        f.write("Hello world!\n")
except OSError as err:
    print(f"cannot write /helloworld/helloworld.txt: {err}", file=sys.stderr)
    sys.exit(1)
print("Created helloworld.txt")
