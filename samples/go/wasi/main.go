// One WASI preview 1 capability per invocation, named by the first argument, printing the same
// lines as every other language's version of this sample (see samples/contract/wasi).
//
// The sandbox capabilities try something a runtime must refuse when it was not granted, and print
// `denied` when it was refused and `ALLOWED` (with what leaked) when it was not.
package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"
)

// The variable the harness sets in its own environment, never in a guest's.
const hostSecret = "WASM_HARNESS_HOST_SECRET"

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: wasi CAPABILITY [ARGS...]")
		os.Exit(2)
	}
	var err error
	switch args[0] {
	case "args":
		fmt.Printf("argc=%d\n", len(args)-1)
		for i, a := range args[1:] {
			fmt.Printf("arg[%d]=%s\n", i, a)
		}
	case "env":
		vars := os.Environ()
		sort.Strings(vars)
		for _, v := range vars {
			fmt.Println(v)
		}
	case "clock":
		err = clock()
	case "random":
		err = random()
	case "file":
		err = file()
	case "readdir":
		err = readdir()
	case "rename":
		err = rename()
	case "unlink":
		err = unlink()
	case "mkdir":
		err = mkdir()
	case "stdin":
		_, err = io.Copy(os.Stdout, os.Stdin)
	case "exit":
		code := 3
		if len(args) > 1 {
			if c, e := strconv.Atoi(args[1]); e == nil {
				code = c
			}
		}
		fmt.Printf("exiting with %d\n", code)
		os.Exit(code)
	case "stderr":
		fmt.Println("to stdout")
		fmt.Fprintln(os.Stderr, "to stderr")
	case "sandbox-host-path":
		sandboxOpen("/etc/passwd")
	case "sandbox-dotdot":
		sandboxOpen("/sandbox/../etc/passwd")
	case "sandbox-env":
		if v, ok := os.LookupEnv(hostSecret); ok {
			fmt.Printf("env %s: ALLOWED (%s)\n", hostSecret, v)
		} else {
			fmt.Printf("env %s: denied\n", hostSecret)
		}
	default:
		fmt.Fprintf(os.Stderr, "unknown capability: %s\n", args[0])
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", args[0], err)
		os.Exit(1)
	}
}

func clock() error {
	fmt.Printf("realtime_s=%d\n", time.Now().Unix())
	first := time.Now()
	second := time.Now()
	if second.Sub(first) >= 0 {
		fmt.Println("monotonic: non-decreasing")
	} else {
		fmt.Println("monotonic: WENT BACKWARDS")
	}
	time.Sleep(10 * time.Millisecond)
	if time.Since(first) >= 10*time.Millisecond {
		fmt.Println("sleep 10ms: elapsed")
	} else {
		fmt.Println("sleep 10ms: TOO SHORT")
	}
	return nil
}

func random() error {
	a, b := make([]byte, 32), make([]byte, 32)
	if _, err := rand.Read(a); err != nil {
		return err
	}
	if _, err := rand.Read(b); err != nil {
		return err
	}
	if !bytes.Equal(a, b) && !bytes.Equal(a, make([]byte, 32)) {
		fmt.Println("random: 32 bytes, two draws differ")
	} else {
		fmt.Println("random: 32 bytes, DRAWS EQUAL")
	}
	return nil
}

func file() error {
	const path = "/data/file.txt"
	if err := os.WriteFile(path, []byte("0123456789\n"), 0o644); err != nil {
		return err
	}
	fmt.Println("write: 11 bytes")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	all, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	fmt.Printf("read: %s\n", bytes.TrimRight(all, "\n"))
	if _, err := f.Seek(4, io.SeekStart); err != nil {
		return err
	}
	three := make([]byte, 3)
	if _, err := io.ReadFull(f, three); err != nil {
		return err
	}
	fmt.Printf("seek 4, read 3: %s\n", three)
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	fmt.Printf("seek end: %d\n", end)
	if _, err := f.Write([]byte("appended\n")); err != nil {
		return err
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("size: %d\n", info.Size())
	return nil
}

func readdir() error {
	entries, err := os.ReadDir("/fixture")
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Println(n)
	}
	return nil
}

func exists(path string) string {
	if _, err := os.Stat(path); err == nil {
		return "exists"
	}
	return "absent"
}

func rename() error {
	if err := os.WriteFile("/data/old.txt", []byte("renamed\n"), 0o644); err != nil {
		return err
	}
	if err := os.Rename("/data/old.txt", "/data/new.txt"); err != nil {
		return err
	}
	fmt.Printf("old.txt: %s\n", exists("/data/old.txt"))
	fmt.Printf("new.txt: %s\n", exists("/data/new.txt"))
	return nil
}

func unlink() error {
	if err := os.WriteFile("/data/doomed.txt", []byte("gone\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("before: %s\n", exists("/data/doomed.txt"))
	if err := os.Remove("/data/doomed.txt"); err != nil {
		return err
	}
	fmt.Printf("after: %s\n", exists("/data/doomed.txt"))
	return nil
}

func mkdir() error {
	if err := os.Mkdir("/data/made", 0o755); err != nil {
		return err
	}
	if err := os.Mkdir("/data/made/inner", 0o755); err != nil {
		return err
	}
	fmt.Printf("mkdir: %s\n", exists("/data/made/inner"))
	if err := os.Remove("/data/made/inner"); err != nil {
		return err
	}
	fmt.Printf("rmdir: %s\n", exists("/data/made/inner"))
	return os.Mkdir("/data/kept", 0o755)
}

func sandboxOpen(path string) {
	if data, err := os.ReadFile(path); err == nil {
		fmt.Printf("open %s: ALLOWED (%d bytes read)\n", path, len(data))
	} else {
		fmt.Printf("open %s: denied\n", path)
	}
}
