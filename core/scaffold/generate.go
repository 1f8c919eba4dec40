package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
)

// templates holds one template per generated file; see fileTemplates.
//
//go:embed templates/*.tmpl
var templates embed.FS

// MarkerFile is the file Generate writes into every directory it generates,
// and what lets Options.Force rewrite a directory that holds Go files: a
// directory without it may hold someone else's package, which Generate
// refuses to overwrite. Authors keep it as long as they want --force to
// work on their directory, and delete it to protect the directory.
const MarkerFile = ".cxhub-scaffold"

// GoVersion is the go directive of a new go.mod: the Go version the cxhub
// module itself declares.
const GoVersion = "1.26.8"

// Options says what to generate and where.
type Options struct {
	// Name is the connector's name (see ValidateName): the Go package name,
	// the spec's name and the binary cxhub-connector-<Name>.
	Name string
	// Dir is the directory to write into; it is created if missing and must
	// be empty unless Force is set.
	Dir string
	// ImportPath is the import path of the package in Dir. Empty means:
	// computed from the go.mod that encloses Dir (its module path and Dir's
	// place in it), or Module when a go.mod is written.
	ImportPath string
	// Module, if set, makes Dir a module of its own: Generate writes a
	// go.mod declaring it. Without it a go.mod is written only when no
	// go.mod encloses Dir, declaring example.com/<Name>.
	Module string
	// CXHubVersion is the github.com/cxhub/cxhub version a written go.mod
	// requires: a semantic version such as v1.2.3 or v1.3.0-rc.1. Empty
	// means the go.mod requires none, and its README says how to add one
	// (go get github.com/cxhub/cxhub@latest, or a replace by a local
	// checkout): a go.mod cannot name a version it does not know.
	CXHubVersion string
	// Shape is what the connector is: a source and a destination (Both,
	// the default when empty), a Source only or a Destination only. It
	// chooses the files (no write.go for a source, no read.go for a
	// destination), the spec's capabilities and the conformance driver.
	Shape Shape
	// Force allows writing into a non-empty Dir; files with the names of
	// generated files are replaced (Plan.Existing lists them beforehand).
	// Even with Force, Generate refuses to write where Go files already are
	// (Dir, sandbox/, cmd/<binary>/) unless Dir holds the MarkerFile an
	// earlier Generate wrote: it regenerates its own skeleton, never
	// another package.
	Force bool
}

// Plan is what Generate would write, worked out without writing anything.
type Plan struct {
	// Name is the connector's name.
	Name string
	// Shape is what the connector is: Both, Source or Destination.
	Shape Shape
	// Dir is the directory written into, as given.
	Dir string
	// ImportPath is the import path of the connector's package.
	ImportPath string
	// NewModule is the module path of the go.mod written in Dir, or "" when
	// Dir belongs to an existing module.
	NewModule string
	// CXHubVersion is the github.com/cxhub/cxhub version the new go.mod
	// requires; "" when it requires none, or when no go.mod is written.
	CXHubVersion string
	// Files are the files written, relative to Dir, slash-separated.
	Files []string
	// Existing are the Files that exist already: Generate replaces them
	// only with Force.
	Existing []string
}

// fileTemplate is a generated file and the template it comes from.
type fileTemplate struct {
	template string // name in templates/
	path     string // relative to Dir, slash-separated; {binary} stands for the binary's name, {name} for the connector's
	// only, if set, is the one capability the file is for: a source-only
	// connector has no write code, a destination-only one no read code.
	only Shape
}

// fileTemplates are the generated files, in the order they are written and
// listed. The MarkerFile comes first, so that a Generate that fails halfway
// leaves a directory that Force may rewrite; go.mod comes last and only with
// a new module.
func fileTemplates() []fileTemplate {
	return []fileTemplate{
		{"marker.tmpl", MarkerFile, ""},
		{"README.md.tmpl", "README.md", ""},
		{"doc.go.tmpl", "doc.go", ""},
		{"connector.go.tmpl", "connector.go", ""},
		{"spec.go.tmpl", "spec.go", ""},
		{"config.go.tmpl", "config.go", ""},
		{"check.go.tmpl", "check.go", ""},
		{"read.go.tmpl", "read.go", Source},
		{"write.go.tmpl", "write.go", Destination},
		{"read_test.go.tmpl", "read_test.go", Source},
		{"write_test.go.tmpl", "write_test.go", Destination},
		{"conformance_test.go.tmpl", "conformance_test.go", ""},
		{"sandbox.go.tmpl", "sandbox/sandbox.go", ""},
		{"sandbox_api.go.tmpl", "sandbox/api.go", ""},
		{"sandbox_test.go.tmpl", "sandbox/sandbox_test.go", ""},
		{"main.go.tmpl", "cmd/{binary}/main.go", ""},
		{"sandbox_main.go.tmpl", "cmd/{name}-sandbox/main.go", ""},
		{"go.mod.tmpl", "go.mod", ""},
	}
}

// filePath is f's path for the connector name.
func (f fileTemplate) filePath(name string) string {
	return strings.NewReplacer("{binary}", BinaryName(name), "{name}", name).Replace(f.path)
}

// SandboxCommand is the directory, under cmd/, of the generated program
// that serves a connector's sandbox by hand (go run ./cmd/<name>-sandbox).
func SandboxCommand(name string) string { return name + "-sandbox" }

// templateData is what the templates see.
type templateData struct {
	Name         string // acme_crm
	Title        string // Acme Crm: the vendor as prose names it
	Binary       string // cxhub-connector-acme_crm
	ImportPath   string // example.com/x/connectors/acme_crm
	Module       string // the new go.mod's module path, or ""
	GoVersion    string
	CXHubVersion string // the version the new go.mod requires, or ""
	Sandbox      string // the sandbox command's directory under cmd/: acme_crm-sandbox
	Source       bool   // the connector reads (Shape Both or Source)
	Destination  bool   // the connector writes (Shape Both or Destination)
}

// BinaryName returns the name of a connector's plugin binary.
func BinaryName(name string) string { return "cxhub-connector-" + name }

// NewPlan checks opts and works out what Generate would write: the import
// path, whether a go.mod is written, which files already exist.
func NewPlan(opts Options) (Plan, error) {
	if err := ValidateName(opts.Name); err != nil {
		return Plan{}, err
	}
	if opts.Dir == "" {
		return Plan{}, errors.New("no directory to write the connector into")
	}
	shape, err := opts.Shape.normal()
	if err != nil {
		return Plan{}, err
	}
	p := Plan{Name: opts.Name, Dir: opts.Dir, Shape: shape}
	if opts.Module != "" {
		if err := checkModulePath(opts.Module); err != nil {
			return Plan{}, err
		}
		p.NewModule = opts.Module
	}
	if opts.CXHubVersion != "" {
		if err := checkVersion(opts.CXHubVersion); err != nil {
			return Plan{}, err
		}
	}
	mod, found, err := FindModule(opts.Dir)
	if err != nil {
		return Plan{}, err
	}
	switch {
	case p.NewModule == "" && !found:
		p.NewModule = "example.com/" + opts.Name
		p.ImportPath = p.NewModule
	case p.NewModule != "":
		p.ImportPath = p.NewModule
	default:
		if p.ImportPath, err = mod.ImportPath(opts.Dir); err != nil {
			return Plan{}, err
		}
	}
	if opts.ImportPath != "" {
		if p.NewModule != "" && opts.ImportPath != p.NewModule {
			return Plan{}, fmt.Errorf("import path %s differs from module %s: the package at the root of a new module has the module's path",
				opts.ImportPath, p.NewModule)
		}
		p.ImportPath = opts.ImportPath
	}
	if p.NewModule != "" {
		p.CXHubVersion = opts.CXHubVersion
	}
	for _, f := range fileTemplates() {
		if f.path == "go.mod" && p.NewModule == "" || !shape.has(f.only) {
			continue
		}
		p.Files = append(p.Files, f.filePath(opts.Name))
	}
	if err := p.checkDir(opts.Force); err != nil {
		return Plan{}, err
	}
	return p, nil
}

// checkDir refuses a Dir that is a file, that holds anything when force
// is off, or that holds Go files it did not generate (see checkForeignGo),
// and lists the generated files that exist already.
func (p *Plan) checkDir(force bool) error {
	entries, err := os.ReadDir(p.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		if st, serr := os.Stat(p.Dir); serr == nil && !st.IsDir() {
			return fmt.Errorf("%s is a file, not a directory: choose another directory", p.Dir)
		}
		return fmt.Errorf("read directory %s: %w", p.Dir, err)
	case len(entries) > 0 && !force:
		names := make([]string, 0, 4)
		for _, e := range entries[:min(len(entries), 3)] {
			names = append(names, e.Name())
		}
		if len(entries) > 3 {
			names = append(names, "...")
		}
		return fmt.Errorf("directory %s is not empty (it holds %s): choose another directory, or use --force to write into it and replace files of the same names",
			p.Dir, strings.Join(names, ", "))
	case len(entries) > 0:
		if err := p.checkForeignGo(); err != nil {
			return err
		}
	}
	for _, f := range p.Files {
		if _, err := os.Lstat(filepath.Join(p.Dir, filepath.FromSlash(f))); err == nil {
			p.Existing = append(p.Existing, f)
		}
	}
	return nil
}

// Generate writes the connector skeleton opts describes and returns the
// files it wrote (Dir joined with each file's relative path), in order. It
// renders every file before writing any, so a failure to render leaves Dir
// untouched; a failure to write returns the files written until then.
func Generate(opts Options) ([]string, error) {
	p, err := NewPlan(opts)
	if err != nil {
		return nil, err
	}
	rendered, err := p.render()
	if err != nil {
		return nil, err
	}
	written := make([]string, 0, len(p.Files))
	for i, rel := range p.Files {
		dst := filepath.Join(p.Dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return written, fmt.Errorf("create directory for %s: %w", dst, err)
		}
		if err := os.WriteFile(dst, rendered[i], 0o644); err != nil {
			return written, fmt.Errorf("write %s: %w", dst, err)
		}
		written = append(written, dst)
	}
	return written, nil
}

// render executes the template of every planned file; Go sources are
// gofmt-formatted, so a template that yields invalid Go fails here.
func (p Plan) render() ([][]byte, error) {
	tmpl, err := template.ParseFS(templates, "templates/*.tmpl")
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	data := templateData{
		Name:         p.Name,
		Title:        title(p.Name),
		Binary:       BinaryName(p.Name),
		ImportPath:   p.ImportPath,
		Module:       p.NewModule,
		GoVersion:    GoVersion,
		CXHubVersion: p.CXHubVersion,
		Sandbox:      SandboxCommand(p.Name),
		Source:       p.Shape.has(Source),
		Destination:  p.Shape.has(Destination),
	}
	byPath := map[string]string{}
	for _, f := range fileTemplates() {
		byPath[f.filePath(p.Name)] = f.template
	}
	out := make([][]byte, len(p.Files))
	for i, rel := range p.Files {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, byPath[rel], data); err != nil {
			return nil, fmt.Errorf("render %s: %w", rel, err)
		}
		src := buf.Bytes()
		if strings.HasSuffix(rel, ".go") {
			if src, err = format.Source(src); err != nil {
				return nil, fmt.Errorf("format generated %s: %w", rel, err)
			}
		}
		out[i] = src
	}
	return out, nil
}

// title turns a connector name into the vendor's name in prose: acme_crm
// gives "Acme Crm".
func title(name string) string {
	words := slices.DeleteFunc(strings.Split(name, "_"), func(w string) bool { return w == "" })
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
