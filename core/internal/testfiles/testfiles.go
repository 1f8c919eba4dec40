// Package testfiles holds file helpers shared by the core's tests (the
// plugin host's and the end-to-end tests). Tests only.
package testfiles

import (
	"io"
	"os"
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
