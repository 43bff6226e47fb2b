// The wasm-basics hello program: prints a greeting and writes a file into a preopened directory.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("Hello, Wasm!")
	if err := os.WriteFile("/helloworld/helloworld.txt", []byte("Hello world!\n"), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "cannot write /helloworld/helloworld.txt: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("Created helloworld.txt")
}
