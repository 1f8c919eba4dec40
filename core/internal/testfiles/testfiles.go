// Package testfiles holds file and output helpers shared by the core's
// tests (the plugin host's, the server's and the end-to-end tests). Tests
// only.
package testfiles

import (
	"bytes"
	"io"
	"os"
	"sync"
	"testing"
)

// CopyExecutable copies a built plugin binary to a new file at to (mode
// 0755), so that a test can tamper with its own copy or install it under
// another name without touching the original.
func CopyExecutable(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writes (a logger's, a
// process's output) while a test reads it. Its zero value is ready.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
