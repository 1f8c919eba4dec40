package config

import (
	"strings"
	"testing"
)

// TestStreamNameIsNotAPath: a stream name may become a file name (the
// file connector's streams are files), so one that is a path is refused
// when the config is loaded, not when a sync writes.
func TestStreamNameIsNotAPath(t *testing.T) {
	for _, name := range []string{"../escape", "a/b", `a\b`, "..", ".", "tab\there"} {
		t.Run(name, func(t *testing.T) {
			content := checkHead + "  - name: p\n    from: {connection: crm, stream: contacts}\n    to: {connection: files, stream: \"" +
				strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), "\t", `\t`) + "\"}\n"
			errs := loadErrors(t, content)
			if len(errs) != 1 || !strings.Contains(errs[0], "pipelines[0].to.stream: stream name") {
				t.Fatalf("errors = %q, want one saying the stream name is refused", errs)
			}
		})
	}
	mustLoad(t, checkHead+"  - name: p\n    from: {connection: crm, stream: contacts}\n    to: {connection: files, stream: \"customers.v2 (EU)\"}\n")
}
