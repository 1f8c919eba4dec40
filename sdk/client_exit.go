package sdk

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// lastWords keeps the end of a plugin process's stderr (go-plugin copies
// every line to it), so that the error about a call the process's end broke
// can say how it ended: a panic's message, or the last line it wrote.
type lastWords struct {
	mu    sync.Mutex
	last  string // the last non-blank line
	panic string // the first line of a Go panic or fatal error, if any
}

// lastWordsBytes bounds the line kept.
const lastWordsBytes = 300

func (w *lastWords) Write(p []byte) (int, error) {
	line := string(bytes.TrimSpace(p))
	if line == "" {
		return len(p), nil
	}
	if len(line) > lastWordsBytes {
		line = line[:lastWordsBytes] + "…"
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last = line
	if w.panic == "" && (strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: ")) {
		w.panic = line
	}
	return len(p), nil
}

func (w *lastWords) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.panic != "" {
		return w.panic
	}
	return w.last
}

// exitWait is how long a call broken by a lost connection waits for the
// process's end to be seen before it is reported as a mere broken
// connection.
const exitWait = 500 * time.Millisecond

// death says how the plugin process ended when err is the broken
// connection its end left behind — "the plugin process exited (exit status
// 2; it said: panic: …)" — or "" when it has not ended (or runs in
// process).
func (p *client) death(err error) string {
	if p.plugin == nil || p.cmd == nil || status.Code(err) != codes.Unavailable {
		return ""
	}
	for deadline := time.Now().Add(exitWait); !p.plugin.Exited(); {
		if time.Now().After(deadline) {
			return ""
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Exited is set after go-plugin's Wait returned, so ProcessState and
	// the whole of stderr are in.
	how := describeExit(p.cmd)
	if said := p.stderr.String(); said != "" {
		how += "; it said: " + said
	}
	return "the plugin process exited (" + how + ")"
}

// describeExit is "exit status 2", "signal: killed" or the like.
func describeExit(cmd *exec.Cmd) string {
	if cmd.ProcessState == nil {
		return "status unknown"
	}
	return fmt.Sprint(cmd.ProcessState)
}
