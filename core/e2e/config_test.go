package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validConfig = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: {{plugins}}}
connections:
  in:
    connector: file
    config:
      dir: in
  out:
    connector: file
    config:
      dir: out
pipelines:
  - name: copy
    from: {connection: in, stream: customers}
    to: {connection: out, stream: contacts}
`

// lineOf returns the 1-based line of the first line containing marker.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("marker %q not in config", marker)
	return 0
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name    string
		replace [2]string // in validConfig
		env     string
		marker  string   // text on the line the error must point at
		want    []string // in the message
	}{
		{
			name:    "unknown connection",
			replace: [2]string{"to: {connection: out,", "to: {connection: outt,"},
			marker:  "connection: outt",
			want:    []string{"pipelines[0].to.connection", `unknown connection "outt"`, "in, out"},
		},
		{
			name:    "unknown connector",
			replace: [2]string{"  out:\n    connector: file", "  out:\n    connector: fiel"},
			marker:  "connector: fiel",
			want:    []string{"connections.out.connector", `unknown connector "fiel"`, "file"},
		},
		{
			name:    "missing required plugin config",
			replace: [2]string{"    config:\n      dir: out", "    config: # out, without its dir\n      format: jsonl"},
			marker:  "# out, without its dir", // reported at the mapping that lacks the key
			want:    []string{"connections.out.config", "dir"},
		},
		{
			name:    "wrong type",
			replace: [2]string{"      dir: out", "      dir: [out, elsewhere]"},
			marker:  "dir: [out, elsewhere]",
			want:    []string{"connections.out.config.dir", "string"},
		},
		{
			name:    "unset environment variable",
			replace: [2]string{"      dir: out", "      dir: ${CXHUB_E2E_UNSET_DIR}"},
			marker:  "CXHUB_E2E_UNSET_DIR",
			want:    []string{"connections.out.config.dir", "CXHUB_E2E_UNSET_DIR", "not set"},
		},
		{
			name:    "unknown key",
			replace: [2]string{"  - name: copy\n", "  - name: copy\n    shedule: 5m\n"},
			marker:  "shedule",
			want:    []string{"pipelines[0].shedule", "schedule"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := strings.Replace(validConfig, tc.replace[0], tc.replace[1], 1)
			if cfg == validConfig {
				t.Fatal("replacement did not apply")
			}
			w := newWorkspace(t, cfg)
			r := w.cxhub("validate")
			if r.code == 0 {
				t.Fatalf("validate accepted a config with %s\n%s", tc.name, r)
			}
			place := fmt.Sprintf("%s:%d:", w.config, lineOf(t, cfg, tc.marker))
			if !strings.Contains(r.stderr, place) {
				t.Errorf("error does not point at %s\n%s", place, r.stderr)
			}
			for _, s := range tc.want {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("error lacks %q\n%s", s, r.stderr)
				}
			}
			// sync refuses the same config before starting anything.
			if r := w.cxhub("sync"); r.code == 0 || !strings.Contains(r.stderr, place) {
				t.Errorf("sync with a bad config:\n%s", r)
			}
		})
	}
}

func TestValidConfigValidates(t *testing.T) {
	w := newWorkspace(t, validConfig)
	r := w.mustCxhub("validate")
	if !strings.Contains(r.stdout, "valid: 2 connections, 1 pipelines") {
		t.Errorf("validate output:\n%s", r)
	}
	r = w.mustCxhub("plugins", "list")
	if !strings.Contains(r.stdout, "file") {
		t.Errorf("plugins list:\n%s", r)
	}
	w.write("in/customers.csv", "id,email\n1,a@example.com\n")
	if r := w.mustCxhub("check", "in"); !strings.Contains(r.stdout, "in: ok") {
		t.Errorf("check:\n%s", r)
	}
	if r := w.mustCxhub("discover", "in"); !strings.Contains(r.stdout, "customers") {
		t.Errorf("discover:\n%s", r)
	}
}

// A broken binary in the plugins directory is reported by plugins list but
// does not stop pipelines that do not use it; a config that uses it fails.
func TestBrokenPluginOnlyFailsWhatUsesIt(t *testing.T) {
	plugins := t.TempDir()
	if err := os.Symlink(filepath.Join(binDir, "plugins", "cxhub-connector-file"), filepath.Join(plugins, "cxhub-connector-file")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(plugins, "cxhub-connector-broken"), []byte("#!/bin/sh\nexit 7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(validConfig, "plugins: {dir: {{plugins}}}", "plugins: {dir: "+plugins+"}", 1)
	w := newWorkspace(t, cfg)
	w.write("in/customers.csv", "id,email\n1,a@example.com\n")
	if r := w.cxhub("validate"); r.code != 0 {
		t.Errorf("validate with an unused broken plugin (which it need not start):\n%s", r)
	}
	if r := w.cxhub("sync"); r.code != 0 {
		t.Errorf("sync with an unused broken plugin:\n%s", r)
	}
	r := w.cxhub("plugins", "list")
	if r.code == 0 || !strings.Contains(r.stdout, "BROKEN") || !strings.Contains(r.stdout, "file") {
		t.Errorf("plugins list should show file, flag broken and exit non-zero:\n%s", r)
	}
	w.writeConfig(strings.Replace(cfg, "  out:\n    connector: file", "  out:\n    connector: broken", 1))
	if r := w.cxhub("validate"); r.code == 0 || !strings.Contains(r.stderr, "cxhub-connector-broken") {
		t.Errorf("validate of a config that uses the broken plugin:\n%s", r)
	}
}
