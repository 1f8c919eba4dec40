package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/scaffold"
)

// tempModule returns a new directory holding a go.mod of module path.
func tempModule(t *testing.T, path string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module "+path+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runCLI runs the command line as the cxhub binary does.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestConnectorNewCommand(t *testing.T) {
	dir := filepath.Join(tempModule(t, "example.com/partner"), "connectors", "acme")
	code, stdout, stderr := runCLI("connector", "new", "acme", "--dir", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	plan, err := scaffold.NewPlan(scaffold.Options{Name: "acme", Dir: dir, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Files) < 10 {
		t.Fatalf("plan has only %d files", len(plan.Files))
	}
	for _, rel := range plan.Files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if !strings.Contains(stdout, "  "+p+"\n") {
			t.Errorf("output does not list %s", p)
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("listed file not written: %v", err)
		}
	}
	for _, want := range []string{"package example.com/partner/connectors/acme", "Next steps:", "go test ./...",
		"go build -o ", "./cmd/cxhub-connector-acme"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, "go mod tidy") {
		t.Errorf("output asks for go mod tidy though no go.mod was written:\n%s", stdout)
	}

	// A second run refuses the now non-empty directory...
	code, _, stderr = runCLI("connector", "new", "acme", "--dir", dir)
	if code != 1 || !strings.Contains(stderr, "not empty") || !strings.Contains(stderr, "--force") {
		t.Errorf("second run: exit %d, stderr %q; want 1 and a refusal that mentions --force", code, stderr)
	}
	// ...unless forced, and then it says what it replaced.
	code, stdout, stderr = runCLI("connector", "new", "acme", "--dir", dir, "--force")
	if code != 0 {
		t.Fatalf("forced run: exit %d, stderr:\n%s", code, stderr)
	}
	if want := filepath.Join(dir, "spec.go") + "  (replaced)"; !strings.Contains(stdout, want) {
		t.Errorf("forced run does not mark replaced files (%q):\n%s", want, stdout)
	}
}

func TestConnectorNewJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	code, stdout, stderr := runCLI("connector", "new", "acme", "--dir", dir, "--module", "github.com/partner/acme", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	var got struct {
		ImportPath string   `json:"import_path"`
		NewModule  string   `json:"new_module"`
		Files      []string `json:"files"`
		NextSteps  []string `json:"next_steps"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if got.ImportPath != "github.com/partner/acme" || got.NewModule != "github.com/partner/acme" {
		t.Errorf("import path %q, new module %q; want github.com/partner/acme for both", got.ImportPath, got.NewModule)
	}
	if !slices.Contains(got.Files, filepath.Join(dir, "go.mod")) {
		t.Errorf("files %q lack the go.mod", got.Files)
	}
	if !slices.ContainsFunc(got.NextSteps, func(s string) bool { return strings.HasPrefix(s, "go mod tidy") }) {
		t.Errorf("next steps %q do not say to run go mod tidy in a new module", got.NextSteps)
	}
}

func TestConnectorNewRefuses(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no name", []string{"connector", "new"}, "one argument"},
		{"two names", []string{"connector", "new", "a", "b"}, "one argument"},
		{"upper case", []string{"connector", "new", "Acme"}, "[a-z][a-z0-9_]*"},
		{"dash", []string{"connector", "new", "acme-crm"}, "letters, digits or underscores"},
		{"keyword", []string{"connector", "new", "func"}, "Go keyword"},
		{"bad module", []string{"connector", "new", "acme", "--dir", filepath.Join(t.TempDir(), "x"), "--module", "has space"}, "module path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(tt.args...)
			if code != 1 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 1 and an error containing %q", code, stderr, tt.wantErr)
			}
			if stdout != "" {
				t.Errorf("a refused command printed %q", stdout)
			}
		})
	}
}

func TestConnectorNewRelativeDir(t *testing.T) {
	cwd := tempModule(t, "example.com/partner")
	var out bytes.Buffer
	a := &app{opts: &options{stdout: &out, stderr: &out, output: "text"}}
	if err := a.connectorNew(cwd, "acme", connectorNewFlags{dir: "sub/acme"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "sub", "acme", "spec.go")); err != nil {
		t.Fatalf("the relative --dir is not relative to the working directory: %v", err)
	}
	for _, want := range []string{"in sub/acme:", "  sub/acme/spec.go\n", "cd sub/acme\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDefaultConnectorDir(t *testing.T) {
	repo := tempModule(t, "github.com/cxhub/cxhub")
	other := tempModule(t, "example.com/partner")
	tests := []struct {
		name string
		cwd  string
		want string
	}{
		{"cxhub repository root", repo, filepath.Join(repo, "connectors", "acme")},
		{"deep in the cxhub repository", filepath.Join(repo, "core", "cli"), filepath.Join(repo, "connectors", "acme")},
		{"another module", filepath.Join(other, "src"), filepath.Join(other, "src", "acme")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := defaultConnectorDir(tt.cwd, "acme")
			if err != nil || got != tt.want {
				t.Errorf("defaultConnectorDir(%s) = %q, %v; want %q", tt.cwd, got, err, tt.want)
			}
		})
	}
}

func TestConnectorNewNextStepsInCXHub(t *testing.T) {
	repo := tempModule(t, "github.com/cxhub/cxhub")
	plan, err := scaffold.NewPlan(scaffold.Options{Name: "acme", Dir: filepath.Join(repo, "connectors", "acme")})
	if err != nil {
		t.Fatal(err)
	}
	steps := nextSteps(repo, plan)
	want := []string{"cd connectors/acme", "go build -o ../../bin/plugins/cxhub-connector-acme ./cmd/cxhub-connector-acme"}
	for _, w := range want {
		if !slices.Contains(steps, w) {
			t.Errorf("next steps %q lack %q", steps, w)
		}
	}
}

func TestRequiredCXHubVersion(t *testing.T) {
	tests := []struct{ version, built, want string }{
		{"v1.2.3", "", "v1.2.3"},
		{"1.2.3", "(devel)", "v1.2.3"},
		{"dev", "v0.4.0", "v0.4.0"},
		{"dev", "(devel)", ""},
		{"788f692-dirty", "", ""},
		{"v0.3.0-5-gabc1234", "", ""},
		{"dev", "v0.0.0-20260101000000-abcdef123456", ""},
		{"dev", "v0.4.0+dirty", ""},
		{"v01.2.3", "", ""},
		{"dev", "0.4.0", ""},
	}
	for _, tt := range tests {
		if got := requiredCXHubVersion(tt.version, tt.built); got != tt.want {
			t.Errorf("requiredCXHubVersion(%q, %q) = %q, want %q", tt.version, tt.built, got, tt.want)
		}
	}
}

// TestConnectorNewForceSparesOtherPackages runs `cxhub connector new file
// --force` in a cxhub repository: connectors/file holds the file
// connector, which --force must not overwrite, while a directory this
// command generated is rewritten.
func TestConnectorNewForceSparesOtherPackages(t *testing.T) {
	repo := tempModule(t, "github.com/cxhub/cxhub")
	fileDir := filepath.Join(repo, "connectors", "file")
	own := map[string]string{
		"connector.go": "package file\n\n// the file connector\n",
		"read.go":      "package file\n\n// its reader\n",
		"README.md":    "# file\n",
	}
	for name, content := range own {
		if err := os.MkdirAll(fileDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(fileDir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	a := &app{opts: &options{stdout: &out, stderr: &errOut, output: "text"}}
	err := a.connectorNew(filepath.Join(repo, "core"), "file", connectorNewFlags{force: true})
	if err == nil || !strings.Contains(err.Error(), "did not write") || !strings.Contains(err.Error(), scaffold.MarkerFile) {
		t.Fatalf("connector new file --force in the cxhub repository: %v; want a refusal naming %s", err, scaffold.MarkerFile)
	}
	for name, content := range own {
		if b, _ := os.ReadFile(filepath.Join(fileDir, name)); string(b) != content {
			t.Errorf("the refused command changed connectors/file/%s to %q", name, b)
		}
	}
	if _, err := os.Stat(filepath.Join(fileDir, "spec.go")); err == nil {
		t.Error("the refused command wrote connectors/file/spec.go")
	}
	if out.Len() != 0 {
		t.Errorf("the refused command printed %q", out.String())
	}

	// A directory the command generated, then changed, is rewritten.
	acme := filepath.Join(repo, "connectors", "acme")
	if err := a.connectorNew(repo, "acme", connectorNewFlags{}); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(acme, "spec.go")
	if err := os.WriteFile(spec, []byte("package acme\n\n// changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.connectorNew(repo, "acme", connectorNewFlags{force: true}); err != nil {
		t.Fatalf("connector new acme --force over its own skeleton: %v", err)
	}
	if b, _ := os.ReadFile(spec); strings.Contains(string(b), "// changed") {
		t.Error("--force did not rewrite the generated spec.go")
	}

	// The help says how --force decides.
	code, help, _ := runCLI("connector", "new", "--help")
	if code != 0 || strings.Count(help, scaffold.MarkerFile) < 2 {
		t.Errorf("connector new --help (exit %d) does not explain %s in the text and the --force flag:\n%s", code, scaffold.MarkerFile, help)
	}
}

func TestConnectorNewNextStepsOfANewModule(t *testing.T) {
	tests := []struct {
		name    string
		version string
		want    []string // step prefixes, in order after cd
		not     string   // no step says this; "" for no such check
	}{
		{"a development build", "", []string{"go get github.com/cxhub/cxhub@latest", "go mod tidy", "go test ./..."}, ""},
		{"a release", "v1.2.3", []string{"go mod tidy", "go test ./..."}, "go get"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "acme")
			plan, err := scaffold.NewPlan(scaffold.Options{Name: "acme", Dir: dir, Module: "example.com/acme", CXHubVersion: tt.version})
			if err != nil {
				t.Fatal(err)
			}
			steps := nextSteps(filepath.Dir(dir), plan)
			if len(steps) < len(tt.want)+1 || steps[0] != "cd acme" {
				t.Fatalf("next steps %q: want cd acme, then %q", steps, tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(steps[i+1], w) {
					t.Errorf("step %d is %q, want it to start with %q", i+2, steps[i+1], w)
				}
			}
			if joined := strings.Join(steps, "\n"); tt.not != "" && strings.Contains(joined, tt.not) {
				t.Errorf("next steps say %q:\n%s", tt.not, joined)
			}
			if tt.version != "" && !strings.Contains(steps[1], tt.version) {
				t.Errorf("go mod tidy step %q does not name %s", steps[1], tt.version)
			}
		})
	}
}
