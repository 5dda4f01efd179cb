// goworker is a tiny HTTP server written the way Go programs for start_server take their sockets
// (our own code, standard library only): parse SERVER_STARTER_PORT ("spec=fd;..."), turn each fd
// into a listener with net.FileListener(os.NewFile(fd)), serve, and on TERM stop gracefully with
// http.Server.Shutdown (listeners closed, requests in flight finished, idle connections closed).
//
// It answers "PID:GENERATION\n" (SERVER_STARTER_GENERATION); /slow?ms=N answers after N ms.
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
	listeners, err := inheritedListeners(os.Getenv("SERVER_STARTER_PORT"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "goworker: %v\n", err)
		os.Exit(1)
	}

	reply := fmt.Sprintf("%d:%s\n", os.Getpid(), os.Getenv("SERVER_STARTER_GENERATION"))
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ms, err := strconv.Atoi(r.URL.Query().Get("ms")); err == nil && r.URL.Path == "/slow" {
			time.Sleep(time.Duration(ms) * time.Millisecond)
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, reply)
	})}
	// The signal handler is in place before the first accept: a TERM can only come once baton has
	// seen this worker alive, and must then drain, not kill.
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)

	served := make(chan error, len(listeners))
	for _, l := range listeners {
		go func(l net.Listener) { served <- server.Serve(l) }(l)
	}
	fmt.Fprintf(os.Stderr, "goworker %d serving %d listener(s)\n", os.Getpid(), len(listeners))

	select {
	case <-term:
	case err := <-served:
		fmt.Fprintf(os.Stderr, "goworker %d: %v\n", os.Getpid(), err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := server.Shutdown(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "goworker %d: shutdown: %v\n", os.Getpid(), err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "goworker %d drained\n", os.Getpid())
}

// inheritedListeners turns "spec=fd;spec=fd" into listeners on those descriptors.
func inheritedListeners(ports string) ([]net.Listener, error) {
	if ports == "" {
		return nil, fmt.Errorf("SERVER_STARTER_PORT is empty or unset: run me under start_server or baton with --port")
	}
	var listeners []net.Listener
	for _, entry := range strings.Split(ports, ";") {
		eq := strings.LastIndexByte(entry, '=')
		if eq < 0 {
			return nil, fmt.Errorf("SERVER_STARTER_PORT entry %q is not spec=fd", entry)
		}
		fd, err := strconv.Atoi(entry[eq+1:])
		if err != nil {
			return nil, fmt.Errorf("SERVER_STARTER_PORT entry %q: fd is not a number", entry)
		}
		file := os.NewFile(uintptr(fd), entry[:eq])
		l, err := net.FileListener(file) // a dup, made non-blocking for Go's poller
		if err != nil {
			return nil, fmt.Errorf("fd %d for %s is not a listening socket: %v", fd, entry[:eq], err)
		}
		file.Close()
		listeners = append(listeners, l)
	}
	return listeners, nil
}
