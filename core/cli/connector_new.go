package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/cxhub/cxhub/core/scaffold"
	"github.com/spf13/cobra"
)

// cxhubModule is cxhub's own module path: inside it, new connectors go to
// connectors/<name>.
const cxhubModule = "github.com/cxhub/cxhub"

// releaseVersion matches a release version such as v1.2.3 (with or without
// the v, no leading zeros): one a go.mod may require.
var releaseVersion = regexp.MustCompile(`^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$`)

func newConnectorCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "connector", Short: "Write and develop connectors"}
	cmd.AddCommand(newConnectorNewCmd(a))
	return cmd
}

// connectorNewFlags are the flags of `connector new`.
type connectorNewFlags struct {
	dir    string
	module string
	force  bool
	shape  string
}

func newConnectorNewCmd(a *app) *cobra.Command {
	var flags connectorNewFlags
	cmd := &cobra.Command{
		Use:   "new <name>",
		Short: "Write the skeleton of a new connector, which builds and passes its own conformance test",
		Long: `Write the skeleton of a new connector: a small HTTP connector (one customers stream, read
incrementally and written by upsert; with --shape source or destination, only one of the two), an
in-memory sandbox of the API it talks to with a program that serves it by hand
(go run ./cmd/<name>-sandbox), a conformance test that runs cxhub's suite against the two, the
plugin's main and a README saying what to change.

The name is lower case: a letter, then letters, digits or underscores. It becomes the Go package
name and the plugin binary cxhub-connector-<name>.

Without --dir, the connector goes to connectors/<name> of the cxhub repository when run inside it,
else to ./<name>. The package's import path comes from the enclosing go.mod; with no go.mod around
(or with --module) a go.mod is written. It requires this cxhub's version when this cxhub is a
release; otherwise no version, and the next steps say how to add one (go get ...@latest, or a
replace by a local checkout of cxhub), then go mod tidy.

The directory must be empty, unless --force is given: then the files of the skeleton's names are
replaced, and other files are left alone. Even with --force, a directory holding Go files (where
the skeleton's Go files go: the directory itself, sandbox/ and cmd/<binary>/) is refused unless it
holds the file ` + scaffold.MarkerFile + `, which this command writes into every directory it generates:
--force regenerates a skeleton, and never overwrites another package (such as connectors/file).
Delete ` + scaffold.MarkerFile + ` to protect a generated directory from --force.`,
		Example: "  cxhub connector new acme\n  cxhub connector new acme --dir ~/src/acme-connector --module github.com/partner/acme",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("connector new takes one argument, the connector's name (got %d): cxhub connector new <name>", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cwd, err := os.Getwd()
			if err != nil {
				return fmt.Errorf("connector new: %w", err)
			}
			return a.connectorNew(cwd, args[0], flags)
		},
	}
	f := cmd.Flags()
	f.StringVar(&flags.dir, "dir", "", "directory to write into (default connectors/<name> inside the cxhub repository, else ./<name>)")
	f.StringVar(&flags.module, "module", "", "make the directory a Go module of this path and write its go.mod (default: only when no go.mod encloses it, as example.com/<name>)")
	f.StringVar(&flags.shape, "shape", string(scaffold.Both), "what the connector is: both (a source and a destination), source (reads only) or destination (writes only)")
	f.BoolVar(&flags.force, "force", false, "write into a non-empty directory, replacing files of the same names; a directory holding Go files only if this command generated it ("+scaffold.MarkerFile+")")
	return cmd
}

// connectorNew generates the connector name as the flags say, cwd being the
// directory relative paths start from, and prints what it wrote and what to
// do next.
func (a *app) connectorNew(cwd, name string, flags connectorNewFlags) error {
	if err := scaffold.ValidateName(name); err != nil {
		return err
	}
	dir := flags.dir
	if dir == "" {
		var err error
		if dir, err = defaultConnectorDir(cwd, name); err != nil {
			return err
		}
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(cwd, dir)
	}
	opts := scaffold.Options{Name: name, Dir: dir, Module: flags.module, CXHubVersion: cxhubVersion(), Force: flags.force,
		Shape: scaffold.Shape(flags.shape)}
	plan, err := scaffold.NewPlan(opts)
	if err != nil {
		return err
	}
	files, err := scaffold.Generate(opts)
	if err != nil {
		return err
	}
	replaced := make([]string, len(plan.Existing))
	for i, rel := range plan.Existing {
		replaced[i] = filepath.Join(dir, filepath.FromSlash(rel))
	}
	steps := nextSteps(cwd, plan)
	if a.json() {
		return printJSON(a.opts.stdout, map[string]any{
			"name": name, "dir": dir, "import_path": plan.ImportPath, "new_module": plan.NewModule,
			"cxhub_version": plan.CXHubVersion, "files": files, "replaced": replaced, "next_steps": steps,
		})
	}
	printConnectorNew(a.opts.stdout, cwd, plan, files, replaced, steps)
	return nil
}

// printConnectorNew prints the files written and the next steps.
func printConnectorNew(w io.Writer, cwd string, plan scaffold.Plan, files, replaced []string, steps []string) {
	fmt.Fprintf(w, "Wrote connector %s (package %s) in %s:\n", plan.Name, plan.ImportPath, shortPath(cwd, plan.Dir))
	for _, f := range files {
		note := ""
		if slices.Contains(replaced, f) {
			note = "  (replaced)"
		}
		fmt.Fprintf(w, "  %s%s\n", shortPath(cwd, f), note)
	}
	fmt.Fprintln(w, "\nNext steps:")
	for _, s := range steps {
		fmt.Fprintf(w, "  %s\n", s)
	}
}

// nextSteps are the commands that test, build and install the new
// connector, from cwd.
func nextSteps(cwd string, plan scaffold.Plan) []string {
	steps := []string{"cd " + shortPath(cwd, plan.Dir)}
	switch {
	case plan.NewModule != "" && plan.CXHubVersion == "":
		// No version to require: the newest release, or a local checkout.
		steps = append(steps,
			"go get github.com/cxhub/cxhub@latest   # or a local checkout: go mod edit -replace github.com/cxhub/cxhub=/path/to/cxhub",
			"go mod tidy                 # resolves the rest and records checksums")
	case plan.NewModule != "":
		steps = append(steps, "go mod tidy                 # downloads github.com/cxhub/cxhub "+plan.CXHubVersion+" and records checksums")
	}
	steps = append(steps, "go test ./...               # the conformance suite, against the sandbox")
	binary := scaffold.BinaryName(plan.Name)
	plugins := defaultPluginsDir()
	if mod, found, err := scaffold.FindModule(plan.Dir); err == nil && found && mod.Path == cxhubModule && plan.NewModule == "" {
		// Inside the cxhub repository: its bin/plugins, where make build puts them.
		plugins = filepath.Join(mod.Dir, "bin", "plugins")
		if rel, err := filepath.Rel(plan.Dir, plugins); err == nil {
			plugins = rel
		}
	}
	steps = append(steps,
		"go build -o "+filepath.Join(plugins, binary)+" ./cmd/"+binary,
		"grep -rn 'TODO(vendor)' .   # what to change for your vendor: README.md explains")
	return steps
}

// defaultConnectorDir is where `connector new` writes without --dir:
// connectors/<name> of the cxhub repository when cwd is inside it, else
// <cwd>/<name>.
func defaultConnectorDir(cwd, name string) (string, error) {
	mod, found, err := scaffold.FindModule(cwd)
	if err != nil {
		return "", err
	}
	if found && mod.Path == cxhubModule {
		return filepath.Join(mod.Dir, "connectors", name), nil
	}
	return filepath.Join(cwd, name), nil
}

// defaultPluginsDir is the plugins directory cxhub uses when a config names
// none: plugins/ beside the cxhub binary.
func defaultPluginsDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "plugins"
	}
	return filepath.Join(filepath.Dir(exe), "plugins")
}

// cxhubVersion is the github.com/cxhub/cxhub version a new connector's
// go.mod requires, or "" for none; see requiredCXHubVersion.
func cxhubVersion() string {
	built := ""
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Path == cxhubModule {
		built = info.Main.Version
	}
	return requiredCXHubVersion(Version, built)
}

// requiredCXHubVersion is this cxhub's version if it is a release: the one
// set at build time (version), else the module version the binary was
// built from (built, as `go install ...@v1.2.3` records it). Otherwise it
// is "": a development build has no version a go.mod could require ("latest"
// is a query of go get, not a version), so the new go.mod requires none
// and its README and the next steps say how to add one.
func requiredCXHubVersion(version, built string) string {
	switch {
	case releaseVersion.MatchString(version):
		return "v" + strings.TrimPrefix(version, "v")
	case releaseVersion.MatchString(built) && strings.HasPrefix(built, "v"):
		return built
	}
	return ""
}

// shortPath is path relative to cwd when it is below cwd, else path.
func shortPath(cwd, path string) string {
	rel, err := filepath.Rel(cwd, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return path
	}
	return rel
}
