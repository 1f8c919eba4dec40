package cli

import (
	"strings"
	"testing"
)

// TestWideCellsAreWhole: tables cut long cells unless --wide asks for them
// whole (an error is then readable without -o json).
func TestWideCellsAreWhole(t *testing.T) {
	long := strings.Repeat("the vendor refused the record: ", 10) + "\nsecond line"
	a := &app{opts: &options{}}
	if got := a.cell(long, 80); len([]rune(got)) != 80 || !strings.HasSuffix(got, "…") {
		t.Errorf("narrow cell = %q, want 80 runes ending in …", got)
	}
	a.opts.wide = true
	if got := a.cell(long, 80); got != strings.ReplaceAll(long, "\n", " ") {
		t.Errorf("wide cell = %q, want the whole text on one line", got)
	}
}
