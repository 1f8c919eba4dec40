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
	wantFiles := []string{MarkerFile, "README.md", "doc.go", "connector.go", "spec.go", "config.go", "check.go", "read.go", "write.go",
		"read_test.go", "write_test.go", "conformance_test.go", "sandbox/sandbox.go", "sandbox/api.go", "sandbox/sandbox_test.go", "cmd/cxhub-connector-acme_crm/main.go",
		"cmd/acme_crm-sandbox/main.go"}
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
			if strings.HasSuffix(f, "_test.go") && !strings.HasSuffix(f, "read_test.go") && !strings.HasSuffix(f, "write_test.go") {
				wantPkg += "_test" // read_test.go and write_test.go test unexported code
			}
			if pkg != wantPkg {
				t.Errorf("%s: %q, want %q", wantFiles[i], pkg, wantPkg)
			}
		}
	}
	main, _ := os.ReadFile(files[len(files)-2])
	if !bytes.Contains(main, []byte(`"example.com/repo/connectors/acme_crm"`)) || !bytes.Contains(main, []byte("acme_crm.New()")) {
		t.Errorf("main.go does not import and serve the connector:\n%s", main)
	}
	sandboxMain, _ := os.ReadFile(files[len(files)-1])
	if !bytes.Contains(sandboxMain, []byte(`"example.com/repo/connectors/acme_crm/sandbox"`)) || !bytes.Contains(sandboxMain, []byte("sandbox.Vendor.Start(")) {
		t.Errorf("the sandbox's main does not import and serve the sandbox:\n%s", sandboxMain)
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
	const localSteps = "go mod edit -replace github.com/cxhub/cxhub=/path/to/cxhub\ngo mod tidy\n"
	tests := []struct {
		name       string
		inModule   bool // Dir is inside an existing module
		opts       Options
		wantModule string
		wantGoMod  string
		wantSteps  []string // in the README, besides localSteps
		notSteps   []string // not in the README
	}{
		{"no enclosing module, no version", false, Options{Name: "acme"}, "example.com/acme",
			"module example.com/acme\n\ngo " + GoVersion + "\n",
			[]string{"requires no version of `github.com/cxhub/cxhub`", "go get github.com/cxhub/cxhub@latest\ngo mod tidy\n"},
			[]string{"latest\n\n", "requires `github.com/cxhub/cxhub` `"}},
		{"module and release given", false, Options{Name: "acme", Module: "github.com/partner/acme", CXHubVersion: "v1.2.3"}, "github.com/partner/acme",
			"module github.com/partner/acme\n\ngo " + GoVersion + "\n\nrequire github.com/cxhub/cxhub v1.2.3\n",
			[]string{"requires `github.com/cxhub/cxhub` `v1.2.3`", "```sh\ngo mod tidy\n```"},
			[]string{"go get github.com/cxhub/cxhub@latest", "requires no version"}},
		{"module given inside a module", true, Options{Name: "acme", Module: "example.com/own"}, "example.com/own",
			"module example.com/own\n\ngo " + GoVersion + "\n",
			[]string{"go get github.com/cxhub/cxhub@latest\ngo mod tidy\n"}, nil},
		{"pre-release", false, Options{Name: "acme", CXHubVersion: "v0.4.0-rc.1"}, "example.com/acme",
			"module example.com/acme\n\ngo " + GoVersion + "\n\nrequire github.com/cxhub/cxhub v0.4.0-rc.1\n",
			[]string{"requires `github.com/cxhub/cxhub` `v0.4.0-rc.1`"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := outsideModule(t)
			if tt.inModule {
				parent = tempModule(t, "example.com/repo")
			}
			opts := tt.opts
			opts.Dir = filepath.Join(parent, "acme")
			plan, err := NewPlan(opts)
			if err != nil {
				t.Fatal(err)
			}
			if plan.NewModule != tt.wantModule || plan.CXHubVersion != opts.CXHubVersion {
				t.Errorf("plan: new module %q, cxhub version %q; want %q, %q", plan.NewModule, plan.CXHubVersion, tt.wantModule, opts.CXHubVersion)
			}
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
			readme, err := os.ReadFile(filepath.Join(opts.Dir, "README.md"))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range append([]string{"This directory is the Go module `" + tt.wantModule + "`", localSteps}, tt.wantSteps...) {
				if !bytes.Contains(readme, []byte(want)) {
					t.Errorf("the README lacks %q", want)
				}
			}
			for _, not := range tt.notSteps {
				if bytes.Contains(readme, []byte(not)) {
					t.Errorf("the README says %q", not)
				}
			}
		})
	}
}

func TestGenerateInAModuleHasNoModuleSection(t *testing.T) {
	dir := filepath.Join(tempModule(t, "example.com/repo"), "acme")
	if _, err := Generate(Options{Name: "acme", Dir: dir, CXHubVersion: "v1.2.3"}); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, not := range []string{"## Module", "go mod tidy", "go mod edit"} {
		if bytes.Contains(readme, []byte(not)) {
			t.Errorf("the README of a connector inside an existing module says %q", not)
		}
	}
}

func TestGenerateRefusesANonEmptyDir(t *testing.T) {
	dir := filepath.Join(tempModule(t, "example.com/repo"), "acme")
	writeFile(t, dir, "notes.txt", "mine")
	writeFile(t, dir, "README.md", "my notes\n")

	_, err := Generate(Options{Name: "acme", Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("Generate into a non-empty dir: %v, want a refusal that mentions --force", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "README.md")); string(b) != "my notes\n" {
		t.Fatalf("a refused Generate changed README.md to %q", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "spec.go")); err == nil {
		t.Fatal("a refused Generate wrote spec.go")
	}
}

// TestGenerateForce: Force writes into a non-empty directory, replacing
// the files of the skeleton's names, unless the directories its Go files go
// to hold Go files and no MarkerFile says that Generate wrote them.
func TestGenerateForce(t *testing.T) {
	const foreign = "package file\n\n// someone else's code\n"
	tests := []struct {
		name         string
		generated    bool              // generated once before the files are written
		files        map[string]string // written into Dir before the forced Generate
		wantErr      []string          // the refusal mentions these; nil: Generate succeeds
		wantExisting []string          // Plan.Existing, when it succeeds
	}{
		{"no Go files", false, map[string]string{"notes.txt": "mine", "README.md": "my notes\n"}, nil, []string{"README.md"}},
		{"a package not generated", false, map[string]string{"connector.go": foreign, "read.go": foreign},
			[]string{"connector.go, read.go", "did not write", MarkerFile}, nil},
		{"Go files in sandbox/", false, map[string]string{"sandbox/fake.go": foreign}, []string{"sandbox/fake.go", MarkerFile}, nil},
		{"Go files in cmd/<binary>/", false, map[string]string{"cmd/cxhub-connector-acme/main.go": foreign},
			[]string{"cmd/cxhub-connector-acme/main.go"}, nil},
		{"many Go files", false, map[string]string{"a.go": foreign, "b.go": foreign, "c.go": foreign, "d.go": foreign, "e.go": foreign},
			[]string{"a.go, b.go, c.go and 2 more"}, nil},
		{"Go files only where nothing is generated", false, map[string]string{"internal/x/x.go": foreign}, nil, nil},
		{"a marker file", false, map[string]string{MarkerFile: "", "connector.go": foreign}, nil, []string{MarkerFile, "connector.go"}},
		{"generated before, then changed", true, map[string]string{"spec.go": foreign, "client.go": foreign}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(tempModule(t, "example.com/repo"), "acme")
			var generated []string
			if tt.generated {
				if _, err := Generate(Options{Name: "acme", Dir: dir}); err != nil {
					t.Fatal(err)
				}
				plan, err := NewPlan(Options{Name: "acme", Dir: dir, Force: true})
				if err != nil {
					t.Fatal(err)
				}
				generated = plan.Files
			}
			for rel, content := range tt.files {
				writeFile(t, dir, rel, content)
			}
			opts := Options{Name: "acme", Dir: dir, Force: true}
			plan, planErr := NewPlan(opts)
			_, err := Generate(opts)
			if (planErr == nil) != (err == nil) {
				t.Errorf("NewPlan: %v; Generate: %v; want both to agree", planErr, err)
			}
			if tt.wantErr != nil {
				for _, want := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("forced Generate: %v; want a refusal mentioning %q", err, want)
					}
				}
				if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
					t.Error("a refused Generate wrote README.md")
				}
				for rel, content := range tt.files {
					if b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel))); string(b) != content {
						t.Errorf("a refused Generate changed %s", rel)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("forced Generate: %v", err)
			}
			wantExisting := tt.wantExisting
			if tt.generated {
				wantExisting = generated // every file was there already
			}
			if !slices.Equal(plan.Existing, wantExisting) {
				t.Errorf("plan.Existing = %q, want %q", plan.Existing, wantExisting)
			}
			for rel, content := range tt.files {
				b, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
				replaced := slices.Contains(plan.Files, rel)
				if replaced == (string(b) == content) {
					t.Errorf("%s: replaced %v, want %v", rel, string(b) != content, replaced)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err != nil {
				t.Errorf("no marker file after Generate: %v", err)
			}
		})
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
		{"latest is no version", Options{Name: "acme", Dir: filepath.Join(repo, "x"), Module: "example.com/a", CXHubVersion: "latest"}, `cxhub version "latest"`},
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

// TestGenerateShapes: a source-only connector has no write code and a
// destination-only one no read code; each declares, guards and drives only
// what it is. (TestGeneratedConnectorPassesItsConformanceTest builds them
// and runs their conformance tests.)
func TestGenerateShapes(t *testing.T) {
	tests := []struct {
		shape        Shape
		without      []string // files not generated
		connector    []string // in connector.go
		notConnector []string
		spec         string // in spec.go
		driver       []string
		notDriver    []string
	}{
		{Source, []string{"write.go", "write_test.go"},
			[]string{"_ sdk.Source "}, []string{"sdk.Destination"},
			"sdk.Capabilities{Read: true, IncrementalRead: true}",
			[]string{"sdktest.SourceDriver", "func (d *driver) Seed(", "func (d *driver) Change("},
			[]string{"DestinationDriver", "BadRecorder", "func (d *driver) Records(", "gjson"}},
		{Destination, []string{"read.go", "read_test.go"},
			[]string{"_ sdk.Destination "}, []string{"sdk.Source"},
			"sdk.Capabilities{Write: true}",
			[]string{"sdktest.DestinationDriver", "sdktest.BadRecorder", "func (d *driver) Records(", "func (d *driver) Count("},
			[]string{"SourceDriver", "func (d *driver) Seed(", `"slices"`}},
	}
	for _, tt := range tests {
		t.Run(string(tt.shape), func(t *testing.T) {
			dir := filepath.Join(tempModule(t, "example.com/repo"), "connectors", "acme")
			files, err := Generate(Options{Name: "acme", Dir: dir, Shape: tt.shape})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if slices.Contains(tt.without, filepath.Base(f)) && filepath.Dir(f) == dir {
					t.Errorf("a %s connector got %s", tt.shape, filepath.Base(f))
				}
			}
			read := func(name string) string {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			contains := func(name string, want, notWant []string) {
				text := read(name)
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s of a %s connector lacks %q", name, tt.shape, w)
					}
				}
				for _, w := range notWant {
					if strings.Contains(text, w) {
						t.Errorf("%s of a %s connector holds %q", name, tt.shape, w)
					}
				}
			}
			contains("connector.go", tt.connector, tt.notConnector)
			contains("spec.go", []string{tt.spec}, nil)
			contains("conformance_test.go", tt.driver, tt.notDriver)
		})
	}
	if _, err := NewPlan(Options{Name: "acme", Dir: t.TempDir(), Shape: "sink"}); err == nil || !strings.Contains(err.Error(), "want both, source or destination") {
		t.Errorf("NewPlan with shape sink: %v, want an error naming the shapes", err)
	}
}
