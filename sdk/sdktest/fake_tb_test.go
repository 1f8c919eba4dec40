package sdktest

import (
	"fmt"
	"runtime"
	"testing"
)

// failures is a testing.TB that keeps what a helper reports; Fatalf ends
// the helper's goroutine, as testing's does. Use it through runTB.
type failures struct {
	testing.TB
	msgs  []string
	fatal bool
}

func (f *failures) Helper() {}

func (f *failures) Errorf(format string, args ...any) {
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

func (f *failures) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	f.fatal = true
	runtime.Goexit()
}

// runTB runs helper with a failures on a goroutine of its own and returns
// them once it has ended.
func runTB(t *testing.T, helper func(tb testing.TB)) *failures {
	f := &failures{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		helper(f)
	}()
	<-done
	return f
}
