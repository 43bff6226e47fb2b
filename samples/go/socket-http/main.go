// A socket server (samples/contract/socket-http) with Go's net/http. Preview 1 cannot open a
// socket, so on wasip1 the listener must be one the host opened and handed in as file descriptor
// 3, announced the systemd way (LISTEN_FDS=1; wasmtime's legacy preview 1 host did this with
// `-S tcplisten=ADDR`), and LISTEN_ADDR names it. Natively, with none handed in, the server listens
// on LISTEN_ADDR itself. With --probe it only tries to listen and says whether it may.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
)

func listen(addr string) (net.Listener, error) {
	if os.Getenv("LISTEN_FDS") == "1" {
		return net.FileListener(os.NewFile(3, "listener"))
	}
	if runtime.GOOS == "wasip1" {
		// Not even a look at descriptor 3: the preview 1 adapter of a component traps on one
		// it does not know.
		return nil, fmt.Errorf("preview 1 opens no socket, and none was handed in (LISTEN_FDS is not 1)")
	}
	return net.Listen("tcp", addr)
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	query := r.URL.Query()
	status := http.StatusOK
	location := query.Get("location")
	if location != "" {
		w.Header().Set("location", location)
		status = http.StatusFound
	}
	if s, err := strconv.Atoi(query.Get("status")); err == nil {
		status = s
	}
	var text strings.Builder
	fmt.Fprintf(&text, "method=%s\npath=%s\nquery=%s\ncontent-type=%s\nx-echo-test=%s\nbody=%d bytes\n",
		r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"), r.Header.Get("X-Echo-Test"), len(body))
	text.Write(body)
	w.Header().Set("content-type", "text/plain")
	w.Header().Set("content-length", strconv.Itoa(text.Len()))
	w.WriteHeader(status)
	io.WriteString(w, text.String())
}

func main() {
	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	probe := len(os.Args) > 1 && os.Args[1] == "--probe"
	listener, err := listen(addr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot listen on %s: %v\n", addr, err)
		if probe {
			fmt.Println("listen: denied")
			return
		}
		os.Exit(1)
	}
	bound := listener.Addr().String()
	if tcp, ok := listener.Addr().(*net.TCPAddr); !ok || tcp.Port == 0 {
		// A handed-in socket's address is not known to a preview 1 guest: the one it was given.
		bound = addr
	}
	if probe {
		fmt.Printf("listen: allowed on %s\n", bound)
		return
	}
	fmt.Printf("listening on http://%s\n", bound)
	if err := http.Serve(listener, http.HandlerFunc(echo)); err != nil {
		fmt.Fprintf(os.Stderr, "serve: %v\n", err)
		os.Exit(1)
	}
}
