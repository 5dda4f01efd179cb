// gostarter is a minimal start_server written in Go, for the agent's interoperability tests. It is
// our own program, not a copy of github.com/lestrrat-go/server-starter (not fetchable here); it
// reproduces what that tool does to the sockets and the workers, because that is what a worker
// JVM has to cope with:
//
//   - listeners opened by Go's runtime (SOCK_NONBLOCK|SOCK_CLOEXEC, SO_REUSEADDR); a bare port is
//     "tcp4" (AF_INET), as the current version does, or with -dual-stack "tcp" (one AF_INET6
//     dual-stack socket), as older versions did; "[::1]:port" is "tcp6";
//   - handed down with exec.Cmd.ExtraFiles from listener.File() (fd 3, 4, ...), which makes os/exec
//     put the open file description shared with every worker into blocking mode at each spawn;
//   - SERVER_STARTER_PORT=<spec>=<fd>;... and SERVER_STARTER_GENERATION in the worker's environment;
//   - on HUP: spawn the new worker, wait -interval only to see it is still alive (no readiness),
//     then KILL_OLD_DELAY seconds (default 0), then TERM to every old worker, at once.
//
// It does not reproduce the rest (pid and status files, envdir, auto-restart, Unix sockets, UDP,
// --signal-on-*). Log lines: "starting new worker PID", "old worker PID died, status:N".
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type portList []string

func (p *portList) String() string     { return strings.Join(*p, ",") }
func (p *portList) Set(v string) error { *p = append(*p, v); return nil }

type boundPort struct {
	spec     string
	listener *net.TCPListener
}

func main() {
	var ports portList
	flag.Var(&ports, "port", "port to listen on: PORT, HOST:PORT or [V6HOST]:PORT (repeatable)")
	dualStack := flag.Bool("dual-stack", false, "open a bare port as \"tcp\" (AF_INET6, dual stack) instead of \"tcp4\"")
	interval := flag.Duration("interval", time.Second, "how long a new worker must stay alive before the old ones are signalled")
	flag.Parse()
	if len(ports) == 0 || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "gostarter: usage: gostarter -port PORT [-port ...] [-dual-stack] [-interval 1s] -- COMMAND [ARG...]")
		os.Exit(2)
	}

	var bound []boundPort
	for _, spec := range ports {
		l, err := listen(spec, *dualStack)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gostarter: cannot listen on %s: %v\n", spec, err)
			os.Exit(1)
		}
		bound = append(bound, boundPort{spec: spec, listener: l})
	}

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	exits := make(chan exit, 16)

	generation := 0
	spawn := func() int {
		for {
			generation++
			pid, err := start(bound, generation, flag.Args(), exits)
			if err != nil {
				fmt.Fprintf(os.Stderr, "gostarter: failed to start worker: %v\n", err)
				os.Exit(1)
			}
			fmt.Fprintf(os.Stderr, "starting new worker %d (generation %d)\n", pid, generation)
			time.Sleep(*interval)
			if syscall.Kill(pid, 0) == nil {
				return pid
			}
			fmt.Fprintf(os.Stderr, "new worker %d seems to have failed to start\n", pid)
		}
	}

	current := spawn()
	old := map[int]bool{}
	for {
		select {
		case e := <-exits:
			if e.pid == current {
				fmt.Fprintf(os.Stderr, "worker %d died unexpectedly with status %d, restarting\n", e.pid, e.status)
				current = spawn()
			} else {
				fmt.Fprintf(os.Stderr, "old worker %d died, status:%d\n", e.pid, e.status)
				delete(old, e.pid)
			}
		case sig := <-signals:
			if sig != syscall.SIGHUP {
				stopAll(current, old, exits)
				return
			}
			fmt.Fprintln(os.Stderr, "received HUP, spawning a new worker")
			old[current] = true
			current = spawn()
			time.Sleep(killOldDelay())
			for pid := range old {
				syscall.Kill(pid, syscall.SIGTERM)
			}
			fmt.Fprintf(os.Stderr, "new worker %d is running, sent TERM to %d old worker(s)\n", current, len(old))
		}
	}
}

// listen opens one port the way Go's start_server does: the network chosen from the spec, Go's
// defaults for the socket (non-blocking, close-on-exec, SO_REUSEADDR).
func listen(spec string, dualStack bool) (*net.TCPListener, error) {
	network, address := "tcp4", spec
	if _, err := strconv.Atoi(spec); err == nil {
		address = ":" + spec
		if dualStack {
			network = "tcp"
		}
	} else if strings.HasPrefix(spec, "[") {
		network = "tcp6"
	}
	l, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	return l.(*net.TCPListener), nil
}

type exit struct{ pid, status int }

// start spawns one worker with the listeners as fds 3, 4, ... through exec.Cmd.ExtraFiles.
func start(bound []boundPort, generation int, argv []string, exits chan<- exit) (int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	var specs []string
	for i, b := range bound {
		f, err := b.listener.File() // a dup; os/exec's Fd() call on it makes the shared description blocking
		if err != nil {
			return 0, err
		}
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
		specs = append(specs, fmt.Sprintf("%s=%d", b.spec, 3+i))
	}
	cmd.Env = append(os.Environ(),
		"SERVER_STARTER_PORT="+strings.Join(specs, ";"),
		"SERVER_STARTER_GENERATION="+strconv.Itoa(generation))
	err := cmd.Start()
	for _, f := range cmd.ExtraFiles {
		f.Close()
	}
	if err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	go func() {
		cmd.Wait()
		exits <- exit{pid, cmd.ProcessState.ExitCode()}
	}()
	return pid, nil
}

func killOldDelay() time.Duration {
	seconds, _ := strconv.Atoi(os.Getenv("KILL_OLD_DELAY"))
	return time.Duration(seconds) * time.Second
}

// stopAll sends TERM to every worker and waits for them all.
func stopAll(current int, old map[int]bool, exits <-chan exit) {
	old[current] = true
	for pid := range old {
		syscall.Kill(pid, syscall.SIGTERM)
	}
	for len(old) > 0 {
		e := <-exits
		fmt.Fprintf(os.Stderr, "worker %d died, status:%d\n", e.pid, e.status)
		delete(old, e.pid)
	}
	fmt.Fprintln(os.Stderr, "exiting")
}
