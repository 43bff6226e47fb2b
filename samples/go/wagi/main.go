// A WAGI handler: the request arrives as CGI variables, arguments and stdin; the answer is a
// header block, a blank line and a body on stdout (see samples/contract/wagi).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

var variables = []string{
	"REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
	"CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_WAGI_TEST",
}

func main() {
	// os.Args[0] is the request's path; the query's parts follow.
	args := os.Args[1:]
	value := func(key string) (string, bool) {
		for _, a := range args {
			if v, ok := strings.CutPrefix(a, key+"="); ok {
				return v, true
			}
		}
		return "", false
	}
	if code, ok := value("exit"); ok {
		n, err := strconv.Atoi(code)
		if err != nil {
			n = 1
		}
		os.Exit(n)
	}
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stdin:", err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprint(out, "Content-Type: text/plain\n")
	if status, ok := value("status"); ok {
		fmt.Fprintf(out, "Status: %s\n", status)
	}
	if location, ok := value("location"); ok {
		fmt.Fprintf(out, "Location: %s\n", location)
	}
	fmt.Fprint(out, "\n")
	for _, name := range variables {
		fmt.Fprintf(out, "%s=%s\n", name, os.Getenv(name))
	}
	fmt.Fprintf(out, "args=%d\n", len(args))
	for _, a := range args {
		fmt.Fprintf(out, "arg=%s\n", a)
	}
	fmt.Fprintf(out, "body=%d bytes\n", len(body))
	out.Write(body)
	out.Flush()
}
