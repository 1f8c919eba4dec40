package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// configErrors returns err's config errors as lines with the config file's
// path cut down to FILE; it fails the test if err is not config.Errors.
func configErrors(t *testing.T, err error, file string) []string {
	t.Helper()
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T (%v), want config.Errors", err, err)
	}
	return strings.Split(strings.ReplaceAll(errs.Error(), file, "FILE"), "\n")
}

// writeFile writes content to path.
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCheckedConfigParsesCustomerRules: validation reports every problem
// of the customers section, with file, line and key, instead of letting
// the customer index find them when it opens.
func TestCheckedConfigParsesCustomerRules(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	writeFile(t, cfgPath, `version: 1
state: {path: state.db}
customers:
  bogus: 1
  max_shared: 0
  match: [email, fax, emial]
  phone: {default_region: XX}
  profile: {default: oldest}
`)
	h := New(Options{ConfigPath: cfgPath, PluginsDir: t.TempDir(), LogOutput: io.Discard})
	defer h.Close()
	_, err := h.CheckedConfig(context.Background())
	got := configErrors(t, err, cfgPath)
	want := []string{
		`FILE:4:3: customers.bogus: unknown key (expected one of: match, email, phone, never_match, max_shared, external_ids, profile)`,
		`FILE:5:15: customers.max_shared: expected a whole number of at least 1`,
		`FILE:6:18: customers.match[1]: expected one of email, phone, external_id, links, got "fax"`,
		`FILE:6:23: customers.match[2]: expected one of email, phone, external_id, links, got "emial" (did you mean "email"?)`,
		`FILE:7:27: customers.phone.default_region: unknown region "XX" (expected an ISO 3166 code such as US, GB, DE)`,
		`FILE:8:22: customers.profile.default: expected most_recent or priority, got "oldest"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n  got:\n    %s\n  want:\n    %s", strings.Join(got, "\n    "), strings.Join(want, "\n    "))
	}
}

// TestReloadRefusesRestartOnlySettings: a reload that changes where serve
// listens, or its TLS files, is refused like a change of the state: serve
// made its listener once and would go on listening where it did.
func TestReloadRefusesRestartOnlySettings(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	const base = "version: 1\nstate: {path: state.db}\n"
	writeFile(t, cfgPath, base+"server: {listen: 127.0.0.1:18080}\n")
	h := New(Options{ConfigPath: cfgPath, PluginsDir: t.TempDir(), LogOutput: io.Discard})
	defer h.Close()
	ctx := context.Background()
	if _, err := h.CheckedConfig(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ server, want string }{
		{"{listen: 127.0.0.1:18081}", "FILE: server.listen: changed (127.0.0.1:18080 → 127.0.0.1:18081): that needs a restart"},
		{"{listen: 127.0.0.1:18080, lease: {ttl: 30s}}", "FILE: server.lease.ttl: changed (15s → 30s): that needs a restart"},
	} {
		writeFile(t, cfgPath, base+"server: "+tt.server+"\n")
		_, err := h.Reload(ctx)
		if err == nil {
			t.Errorf("reload with server %s: no error, want %q", tt.server, tt.want)
			continue
		}
		if got := strings.ReplaceAll(err.Error(), cfgPath, "FILE"); got != tt.want {
			t.Errorf("reload with server %s: %q, want %q", tt.server, got, tt.want)
		}
		if cfg, _ := h.Config(); cfg.Server.Listen != "127.0.0.1:18080" {
			t.Errorf("after a refused reload the hub listens on %s", cfg.Server.Listen)
		}
	}
	// Settings read per request still reload.
	writeFile(t, cfgPath, base+"server: {listen: 127.0.0.1:18080, max_body_bytes: 4096}\n")
	if cfg, err := h.Reload(ctx); err != nil || cfg.Server.MaxBodyBytes != 4096 {
		t.Errorf("reload of max_body_bytes: %v", err)
	}
}

// TestProfilesFromANonCustomerStream: a pipeline to the profile store
// from a stream that is not customer data (a file stream) is refused by
// validation and by a reload, which keeps the config that runs: before,
// both took it and then every run failed on it.
func TestProfilesFromANonCustomerStream(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the file plugin")
	}
	plugins := t.TempDir()
	bin := sdktest.BuildPlugin(t, "../../connectors/file/cmd/cxhub-connector-file")
	testfiles.CopyExecutable(t, bin, filepath.Join(plugins, "cxhub-connector-file"))
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(data, "people.jsonl"), `{"id":"1","email":"a@example.com"}`+"\n")
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	good := fmt.Sprintf(`version: 1
state: {path: state.db}
connections:
  files: {connector: file, config: {dir: %q}}
pipelines:
  - name: copy
    from: {connection: files, stream: people}
    to:   {connection: files, stream: copied}
`, data)
	bad := good + `  - name: files-to-profiles
    from: {connection: files, stream: people}
    to:   {profiles: true}
`
	ctx := context.Background()

	t.Run("validate", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cxhub.yaml")
		writeFile(t, path, strings.Replace(bad, "state.db", filepath.Join(dir, "v.db"), 1))
		h := New(Options{ConfigPath: path, PluginsDir: plugins, LogOutput: io.Discard})
		defer h.Close()
		_, err := h.CheckedConfig(ctx)
		got := configErrors(t, err, path)
		want := `FILE:9:5: pipelines[1].to.profiles: pipeline "files-to-profiles" reads files.people, which is not customer or interaction data (connector "file"'s spec does not mark it so), so the profile store would index nothing: expected a customer or interaction stream as the source`
		if len(got) != 1 || got[0] != want {
			t.Errorf("errors:\n  got:  %q\n  want: %q", got, want)
		}
	})

	t.Run("reload", func(t *testing.T) {
		writeFile(t, cfgPath, good)
		h := New(Options{ConfigPath: cfgPath, PluginsDir: plugins, LogOutput: io.Discard})
		defer h.Close()
		if res := h.Sync(ctx, "copy"); res.Err != nil || res.Status != state.RunSucceeded {
			t.Fatalf("sync copy: %v %v", res.Status, res.Err)
		}
		writeFile(t, cfgPath, bad)
		_, err := h.Reload(ctx)
		if got := configErrors(t, err, cfgPath); len(got) != 1 || !strings.HasPrefix(got[0], "FILE:9:5: pipelines[1].to.profiles: ") {
			t.Fatalf("reload: %q, want the profile store's source refused", got)
		}
		cfg, err := h.CheckedConfig(ctx)
		if err != nil || len(cfg.Pipelines) != 1 {
			t.Fatalf("after the refused reload: %v, %d pipelines, want the old config's 1", err, len(cfg.Pipelines))
		}
		// The old config still runs.
		if res := h.Sync(ctx, "copy"); res.Err != nil || res.Status != state.RunSucceeded {
			t.Errorf("sync copy after the refused reload: %v %v", res.Status, res.Err)
		}
	})
}

// TestMissingPluginsDirNamesWhereItIsSet: a plugins.dir that does not
// exist is reported with the place in the file that sets it and what to do
// (it used to be only "list plugins in DIR: open DIR: no such file or
// directory").
func TestMissingPluginsDirNamesWhereItIsSet(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	writeFile(t, cfgPath, "version: 1\nstate: {path: state.db}\nplugins:\n  dir: ./noplugins\n")
	h := New(Options{ConfigPath: cfgPath, LogOutput: io.Discard})
	defer h.Close()
	_, err := h.CheckedConfig(context.Background())
	if err == nil {
		t.Fatal("no error for a plugins directory that does not exist")
	}
	want := "the plugins directory " + filepath.Join(dir, "noplugins") + " (plugins.dir, " + cfgPath + ":4:8) does not exist: " +
		"build the connectors into it (make build does, into bin/plugins), or set plugins.dir to the directory that has them"
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error:\n  %v\nwant it to begin\n  %s", err, want)
	}
}
