package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes content to a file in a fresh temporary directory and
// returns its path. Tabs are not allowed in YAML indentation, so the test
// files are written with spaces.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cxhub.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// clearOverrides makes sure the developer's environment does not change the
// settings under test (viper ignores empty variables).
func clearOverrides(t *testing.T) {
	t.Helper()
	for _, k := range []string{"CXHUB_STATE_PATH", "CXHUB_STATE_DRIVER", "CXHUB_STATE_DSN", "CXHUB_PLUGINS_DIR", "CXHUB_LOG_LEVEL"} {
		t.Setenv(k, "")
	}
}

// loadErrors loads content, which must be invalid, and returns its errors as
// lines with the file's path cut down to "FILE".
func loadErrors(t *testing.T, content string) []string {
	t.Helper()
	clearOverrides(t)
	path := writeConfig(t, content)
	c, err := Load(path)
	if err == nil {
		t.Fatalf("Load succeeded (%+v), want errors", c)
	}
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error is %T (%v), want Errors", err, err)
	}
	for _, e := range errs {
		if e.File != path {
			t.Errorf("error %q names file %q, want %q", e.Error(), e.File, path)
		}
	}
	return strings.Split(strings.ReplaceAll(err.Error(), path, "FILE"), "\n")
}

// mustLoad loads content, which must be valid.
func mustLoad(t *testing.T, content string) *Config {
	t.Helper()
	clearOverrides(t)
	c, err := Load(writeConfig(t, content))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// sameLines fails the test unless got and want hold matching lines in
// order. A "*" in a wanted line matches any text: it stands for wording
// that belongs to the mapping package, not to this one.
func sameLines(t *testing.T, got, want []string) {
	t.Helper()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = matchLine(got[i], want[i])
	}
	if !ok {
		t.Errorf("errors:\n  got:\n    %s\n  want:\n    %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
	}
}

// matchLine matches s against a pattern in which "*" matches any text.
func matchLine(s, pattern string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

func TestMatchLine(t *testing.T) {
	tests := []struct {
		s, pattern string
		want       bool
	}{
		{"a: b", "a: b", true},
		{"a: b", "a: c", false},
		{"a: b", "a: *", true},
		{"a: xx unclosed yy", "a: *unclosed*", true},
		{"a: xx yy", "a: *unclosed*", false},
		{"b: x", "a: *", false},
		{"a: b extra", "a: b", false},
	}
	for _, tt := range tests {
		if got := matchLine(tt.s, tt.pattern); got != tt.want {
			t.Errorf("matchLine(%q, %q) = %v, want %v", tt.s, tt.pattern, got, tt.want)
		}
	}
}
