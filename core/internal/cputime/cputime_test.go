package cputime

import (
	"runtime"
	"testing"
)

// TestStolen: on Linux the steal time is read, and it never goes back.
func TestStolen(t *testing.T) {
	first, ok := Stolen()
	if runtime.GOOS != "linux" {
		if ok {
			t.Errorf("Stolen says it can tell on %s", runtime.GOOS)
		}
		return
	}
	if !ok || first < 0 {
		t.Fatalf("Stolen() = %v, %v on Linux", first, ok)
	}
	if again, ok := Stolen(); !ok || again < first {
		t.Errorf("Stolen went from %v to %v", first, again)
	}
}
