// hello-wagi: a command-line program made an HTTP handler by WAGI. The gateway runs it once per
// request: the CGI variables are its environment, the query parameters its arguments and the
// request body its stdin; it answers with headers, a blank line and the body on stdout.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -o hello-wagi.wasm
// Serve: cargo xtask serve samples/wagi/hello-wagi/modules.toml, then curl localhost:3000/go
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	fmt.Println("Content-Type: text/plain")
	fmt.Println("Status: 200")
	fmt.Println()
	fmt.Println("Hello from WAGI, written in Go!")

	env := os.Environ()
	fmt.Printf("### Environment variables: %d ###\n", len(env))
	for _, e := range env {
		fmt.Println(e)
	}

	args := os.Args[1:]
	fmt.Printf("### Query parameters: %d ###\n", len(args))
	for _, a := range args {
		fmt.Printf("Argument=%s\n", a)
	}

	fmt.Println("### HTTP payload ###")
	body, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot read the payload: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(body)
}
