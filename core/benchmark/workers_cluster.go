package benchmark

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// The scale-out scenario's workers: real cxhub serve processes on one
// config, each with its own id and port (see workers.go).

// benchCluster is the scenario's cxhub serve processes.
type benchCluster struct {
	cxhub, cfg, dir, dsn string
	procs                []*benchWorker
}

type benchWorker struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{}
}

// lockedBuffer is a bytes.Buffer a process writes while we may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (c *benchCluster) id(i int) string { return fmt.Sprintf("w%d", i+1) }

func (c *benchCluster) ids() []string {
	out := make([]string, len(c.procs))
	for i := range out {
		out[i] = c.id(i)
	}
	return out
}

// start starts worker i on a free port and waits until it is ready.
func (c *benchCluster) start(ctx context.Context, i int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(c.cxhub, "-c", c.cfg, "serve")
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "CXHUB_BENCH_DSN="+c.dsn, fmt.Sprintf("CXHUB_BENCH_PORT=%d", port), "CXHUB_WORKER_ID="+c.id(i))
	w := &benchWorker{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = w.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start worker %s: %w", c.id(i), err)
	}
	go func() { _ = cmd.Wait(); close(w.done) }()
	c.procs[i] = w
	ready := make(chan error, 1)
	go func() { ready <- waitReady(ctx, fmt.Sprintf("http://127.0.0.1:%d", port), 60*time.Second) }()
	select {
	case err = <-ready:
	case <-w.done:
		err = errors.New("exited")
	}
	if err != nil {
		return fmt.Errorf("worker %s: %w\n%s", c.id(i), err, w.stderr.String())
	}
	return nil
}

// kill SIGKILLs worker i and waits for it to be gone.
func (c *benchCluster) kill(i int) error {
	w := c.procs[i]
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill worker %s: %w", c.id(i), err)
	}
	<-w.done
	return nil
}

// stopAll stops every worker still running (SIGTERM, then SIGKILL).
func (c *benchCluster) stopAll() {
	for _, w := range c.procs {
		if w == nil {
			continue
		}
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, w := range c.procs {
		if w == nil {
			continue
		}
		select {
		case <-w.done:
		case <-time.After(20 * time.Second):
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	}
}
