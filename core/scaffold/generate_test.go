package scaffold

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tempModule returns a new directory holding a go.mod of module path.
func tempModule(t *testing.T, path string) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, dir, "go.mod", "module "+path+"\n\ngo 1.26\n")
	return dir
}

// outsideModule returns a new directory that no go.mod encloses.
func outsideModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, found, err := FindModule(dir); err != nil || found {
		t.Skipf("the temporary directory is inside a Go module (%v)", err)
	}
	return dir
}

func TestGenerateWritesThePlannedFiles(t *testing.T) {
	dir := filepath.Join(tempModule(t, "example.com/repo"), "connectors", "acme_crm")
	plan, err := NewPlan(Options{Name: "acme_crm", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if plan.ImportPath != "example.com/repo/connectors/acme_crm" || plan.NewModule != "" || len(plan.Existing) != 0 {
		t.Errorf("plan = %+v; want import path example.com/repo/connectors/acme_crm, no new module, nothing existing", plan)
	}
	wantFiles := []string{"README.md", "doc.go", "connector.go", "spec.go", "config.go", "check.go", "read.go", "write.go",
		"conformance_test.go", "sandbox/sandbox.go", "sandbox/api.go", "sandbox/sandbox_test.go", "cmd/cxhub-connector-acme_crm/main.go"}
	if !slices.Equal(plan.Files, wantFiles) {
		t.Errorf("planned files %q, want %q", plan.Files, wantFiles)
	}

	files, err := Generate(Options{Name: "acme_crm", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(wantFiles) {
		t.Fatalf("Generate wrote %q, want %d files", files, len(wantFiles))
	}
	for i, f := range files {
		if want := filepath.Join(dir, filepath.FromSlash(wantFiles[i])); f != want {
			t.Errorf("file %d is %s, want %s", i, f, want)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, leftover := range []string{"{{", "<no value>"} {
			if bytes.Contains(b, []byte(leftover)) {
				t.Errorf("%s holds %q: a template was not fully rendered", wantFiles[i], leftover)
			}
		}
		if strings.HasSuffix(f, ".go") {
			pkg := firstLineWith(b, "package ")
			wantPkg := map[string]string{"sandbox": "package sandbox", "cmd": "package main"}[strings.Split(wantFiles[i], "/")[0]]
			if wantPkg == "" {
				wantPkg = "package acme_crm"
			}
			if strings.HasSuffix(f, "_test.go") {
				wantPkg += "_test"
			}
			if pkg != wantPkg {
				t.Errorf("%s: %q, want %q", wantFiles[i], pkg, wantPkg)
			}
		}
	}
	main, _ := os.ReadFile(files[len(files)-1])
	if !bytes.Contains(main, []byte(`"example.com/repo/connectors/acme_crm"`)) || !bytes.Contains(main, []byte("acme_crm.New()")) {
		t.Errorf("main.go does not import and serve the connector:\n%s", main)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
		t.Error("a go.mod was written inside an existing module")
	}
}

// firstLineWith returns the first line of b that starts with prefix.
func firstLineWith(b []byte, prefix string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return sc.Text()
		}
	}
	return ""
}

func TestGenerateNewModule(t *testing.T) {
	tests := []struct {
		name       string
		inModule   bool // Dir is inside an existing module
		opts       Options
		wantModule string
		wantGoMod  string
	}{
		{"no enclosing module", false, Options{Name: "acme"}, "example.com/acme",
			"module example.com/acme\n\ngo " + GoVersion + "\n\nrequire github.com/cxhub/cxhub latest\n"},
		{"module given", false, Options{Name: "acme", Module: "github.com/partner/acme", CXHubVersion: "v1.2.3"}, "github.com/partner/acme",
			"module github.com/partner/acme\n\ngo " + GoVersion + "\n\nrequire github.com/cxhub/cxhub v1.2.3\n"},
		{"module given inside a module", true, Options{Name: "acme", Module: "example.com/own"}, "example.com/own",
			"module example.com/own\n\ngo " + GoVersion + "\n\nrequire github.com/cxhub/cxhub latest\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := outsideModule(t)
			if tt.inModule {
				parent = tempModule(t, "example.com/repo")
			}
			opts := tt.opts
			opts.Dir = filepath.Join(parent, "acme")
			files, err := Generate(opts)
			if err != nil {
				t.Fatal(err)
			}
			if last := files[len(files)-1]; filepath.Base(last) != "go.mod" {
				t.Fatalf("files %q do not end with go.mod", files)
			}
			gomod, err := os.ReadFile(filepath.Join(opts.Dir, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			if string(gomod) != tt.wantGoMod {
				t.Errorf("go.mod =\n%s\nwant\n%s", gomod, tt.wantGoMod)
			}
			main, err := os.ReadFile(filepath.Join(opts.Dir, "cmd", "cxhub-connector-acme", "main.go"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(main, []byte(`"`+tt.wantModule+`"`)) {
				t.Errorf("main.go does not import %s:\n%s", tt.wantModule, main)
			}
			readme, _ := os.ReadFile(filepath.Join(opts.Dir, "README.md"))
			if !bytes.Contains(readme, []byte("go mod tidy")) {
				t.Error("the README of a new module does not say to run go mod tidy")
			}
		})
	}
}

func TestGenerateRefusesANonEmptyDir(t *testing.T) {
	dir := filepath.Join(tempModule(t, "example.com/repo"), "acme")
	writeFile(t, dir, "notes.txt", "mine")
	writeFile(t, dir, "spec.go", "package mine\n")

	_, err := Generate(Options{Name: "acme", Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Generate into a non-empty dir: %v, want a refusal that mentions --force", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "spec.go")); string(b) != "package mine\n" {
		t.Fatalf("a refused Generate changed spec.go to %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
		t.Fatal("a refused Generate wrote README.md")
	}

	plan, err := NewPlan(Options{Name: "acme", Dir: dir, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(plan.Existing, []string{"spec.go"}) {
		t.Errorf("plan.Existing = %q, want [spec.go]", plan.Existing)
	}
	if _, err := Generate(Options{Name: "acme", Dir: dir, Force: true}); err != nil {
		t.Fatalf("Generate with Force: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "spec.go")); !bytes.HasPrefix(b, []byte("package acme\n")) {
		t.Errorf("with Force, spec.go was not replaced: %.40q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
		t.Errorf("with Force, an unrelated file changed: %q", b)
	}
}

func TestNewPlanRefuses(t *testing.T) {
	repo := tempModule(t, "example.com/repo")
	writeFile(t, repo, "afile", "x")
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"bad name", Options{Name: "Acme", Dir: filepath.Join(repo, "x")}, "[a-z][a-z0-9_]*"},
		{"no dir", Options{Name: "acme"}, "no directory"},
		{"dir is a file", Options{Name: "acme", Dir: filepath.Join(repo, "afile")}, "is a file"},
		{"bad module", Options{Name: "acme", Dir: filepath.Join(repo, "x"), Module: "/abs"}, "module path"},
		{"import path differs from new module", Options{Name: "acme", Dir: filepath.Join(repo, "x"), Module: "example.com/a", ImportPath: "example.com/b"}, "differs"},
		{"dir not importable", Options{Name: "acme", Dir: filepath.Join(repo, "my connectors", "acme")}, "import path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPlan(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewPlan(%+v) = %v, want an error containing %q", tt.opts, err, tt.wantErr)
			}
		})
	}
}

func TestNewPlanImportPath(t *testing.T) {
	repo := tempModule(t, "example.com/repo")
	tests := []struct {
		name       string
		opts       Options
		wantImport string
		wantModule string
	}{
		{"from the enclosing module", Options{Name: "acme", Dir: filepath.Join(repo, "a", "b")}, "example.com/repo/a/b", ""},
		{"at the module root", Options{Name: "acme", Dir: repo, Force: true}, "example.com/repo", ""},
		{"given", Options{Name: "acme", Dir: filepath.Join(repo, "a"), ImportPath: "example.com/elsewhere"}, "example.com/elsewhere", ""},
		{"new module", Options{Name: "acme", Dir: filepath.Join(repo, "a"), Module: "example.com/own"}, "example.com/own", "example.com/own"},
		{"new module, same import path given", Options{Name: "acme", Dir: filepath.Join(repo, "a"), Module: "example.com/own", ImportPath: "example.com/own"}, "example.com/own", "example.com/own"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.ImportPath != tt.wantImport || p.NewModule != tt.wantModule {
				t.Errorf("import path %q, new module %q; want %q, %q", p.ImportPath, p.NewModule, tt.wantImport, tt.wantModule)
			}
		})
	}
}

// TestGoVersionMatchesCXHub keeps a new go.mod's go directive equal to the
// one cxhub's own go.mod declares.
func TestGoVersionMatchesCXHub(t *testing.T) {
	gomod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if got := firstLineWith(gomod, "go "); got != "go "+GoVersion {
		t.Errorf("cxhub's go.mod says %q; GoVersion is %q", got, GoVersion)
	}
}
