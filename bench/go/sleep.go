// The Go twin of e2e's sample server, the floor of bench/reload-under-load: the cheapest generation a
// supervisor can start. Standard library only; built by the benchmark with `go build`.
//
// It serves on the socket start_server or baton hands down (the fd after the last '=' of the first
// SERVER_STARTER_PORT entry), says READY=1 on NOTIFY_SOCKET once it serves (systemd's sd_notify, which
// baton's --readiness=notify waits for), sleeps SAMPLE_SLEEP_MS per request and answers the same
// fixed-length line as baton-sample.jar, "gen=000003 pid=0012345 server=go   \n" (36 bytes). On TERM it
// stops accepting, finishes the requests in flight and closes idle connections (http.Server.Shutdown).
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ports := os.Getenv("SERVER_STARTER_PORT")
	first := strings.Split(ports, ";")[0]
	fd, err := strconv.Atoi(first[strings.LastIndexByte(first, '=')+1:])
	if err != nil {
		fail("SERVER_STARTER_PORT %q names no fd: run me under start_server or baton with --port", ports)
	}
	listener, err := net.FileListener(os.NewFile(uintptr(fd), first))
	if err != nil {
		fail("fd %d is not a listening socket: %v", fd, err)
	}

	sleep, _ := strconv.Atoi(os.Getenv("SAMPLE_SLEEP_MS"))
	generation, _ := strconv.Atoi(os.Getenv("SERVER_STARTER_GENERATION"))
	body := []byte(fmt.Sprintf("gen=%06d pid=%07d server=%-5s\n", generation, os.Getpid(), "go"))
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(sleep) * time.Millisecond)
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})}

	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM) // before READY=1: a TERM from then on must drain, not kill
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	notify("READY=1")

	select {
	case <-term:
	case err := <-served:
		fail("%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		fail("shutdown: %v", err)
	}
}

// notify sends one sd_notify datagram when the supervisor asked for them.
func notify(state string) {
	path := os.Getenv("NOTIFY_SOCKET")
	if path == "" {
		return
	}
	if strings.HasPrefix(path, "@") {
		path = "\x00" + path[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		fail("NOTIFY_SOCKET %q: %v", path, err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		fail("NOTIFY_SOCKET %q: %v", path, err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "sleep-worker %d: "+format+"\n", append([]interface{}{os.Getpid()}, args...)...)
	os.Exit(1)
}
