"""A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
header block, a blank line and a body on stdout (see samples/contract/wagi)."""
import os
import sys

VARIABLES = ["REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
             "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST"]


def main():
    # sys.argv[0] is the script; the query's parts follow.
    args = sys.argv[1:]

    def value(key):
        for a in args:
            if a.startswith(key + "="):
                return a[len(key) + 1:]
        return None

    code = value("exit")
    if code is not None:
        sys.exit(int(code))
    body = sys.stdin.buffer.read()
    lines = ["Content-Type: text/plain"]
    if value("status") is not None:
        lines.append("Status: " + value("status"))
    if value("location") is not None:
        lines.append("Location: " + value("location"))
    lines.append("")
    lines += [name + "=" + os.environ.get(name, "") for name in VARIABLES]
    lines.append("args=%d" % len(args))
    lines += ["arg=" + a for a in args]
    lines.append("body=%d bytes" % len(body))
    out = sys.stdout.buffer
    out.write(("\n".join(lines) + "\n").encode())
    out.write(body)
    out.flush()


main()
