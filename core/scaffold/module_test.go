package scaffold

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile writes content to dir/rel, creating directories.
func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestModulePath(t *testing.T) {
	tests := []struct {
		gomod   string
		want    string
		wantErr bool
	}{
		{"module example.com/acme\n\ngo 1.26\n", "example.com/acme", false},
		{"// a comment\nmodule   github.com/x/y // trailing\n", "github.com/x/y", false},
		{"module \"example.com/quoted\"\n", "example.com/quoted", false},
		{"module\texample.com/tab\n", "example.com/tab", false},
		{"modules example.com/no\nmodule example.com/yes\n", "example.com/yes", false},
		{"go 1.26\n", "", true},
		{"module\n", "", true},
		{"module \"unterminated\n", "", true},
	}
	for _, tt := range tests {
		got, err := modulePath([]byte(tt.gomod))
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("modulePath(%q) = %q, %v; want %q, error %v", tt.gomod, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFindModuleAndImportPath(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "repo/go.mod", "module example.com/repo\n\ngo 1.26\n")
	writeFile(t, root, "repo/nested/go.mod", "module example.com/other // its own module\n")
	writeFile(t, root, "repo/afile", "not a directory")

	tests := []struct {
		dir            string // relative to root
		wantFound      bool
		wantModule     string
		wantImportPath string
		wantErr        string
	}{
		{"repo", true, "example.com/repo", "example.com/repo", ""},
		{"repo/connectors/acme", true, "example.com/repo", "example.com/repo/connectors/acme", ""},
		{"repo/nested/x", true, "example.com/other", "example.com/other/x", ""},
		{"repo/afile/acme", true, "example.com/repo", "example.com/repo/afile/acme", ""},
		{"repo/my dir/acme", true, "example.com/repo", "", "not allowed in an import path"},
		{"repo/_build/acme", true, "example.com/repo", "", "ignores directories"},
		{"repo/x/testdata/acme", true, "example.com/repo", "", "testdata"},
		{"elsewhere/acme", false, "", "", ""},
	}
	_, tempInModule, err := FindModule(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			if !tt.wantFound && tempInModule {
				t.Skip("the temporary directory is inside a Go module")
			}
			dir := filepath.Join(root, filepath.FromSlash(tt.dir))
			mod, found, err := FindModule(dir)
			if err != nil {
				t.Fatalf("FindModule: %v", err)
			}
			if found != tt.wantFound || mod.Path != tt.wantModule {
				t.Fatalf("FindModule(%s) = %+v, %v; want module %q, found %v", tt.dir, mod, found, tt.wantModule, tt.wantFound)
			}
			if !found {
				return
			}
			got, err := mod.ImportPath(dir)
			switch {
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("ImportPath = %q, %v; want an error containing %q", got, err, tt.wantErr)
			case tt.wantErr == "" && (err != nil || got != tt.wantImportPath):
				t.Errorf("ImportPath = %q, %v; want %q", got, err, tt.wantImportPath)
			}
		})
	}
}

func TestImportPathOutsideModule(t *testing.T) {
	mod := Module{Path: "example.com/repo", Dir: filepath.Join(t.TempDir(), "repo")}
	if got, err := mod.ImportPath(filepath.Dir(mod.Dir)); err == nil {
		t.Errorf("ImportPath of the module's parent = %q, want an error", got)
	}
}

func TestCheckModulePath(t *testing.T) {
	for _, ok := range []string{"example.com/acme", "github.com/x/y-z", "acme", "example.com/a_b/v2"} {
		if err := checkModulePath(ok); err != nil {
			t.Errorf("checkModulePath(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "/abs", "trailing/", "a//b", "example.com/.hidden", "with space/x", "ü.com/x"} {
		if err := checkModulePath(bad); err == nil {
			t.Errorf("checkModulePath(%q) = nil, want an error", bad)
		}
	}
}
