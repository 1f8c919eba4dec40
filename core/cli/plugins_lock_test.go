package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/plugins"
	"github.com/cxhub/cxhub/sdk"
)

func TestLockChanges(t *testing.T) {
	a1 := plugins.Locked{File: "cxhub-connector-a", SHA256: strings.Repeat("a", 64), Version: "1.0.0"}
	a2 := plugins.Locked{File: "cxhub-connector-a", SHA256: strings.Repeat("b", 64), Version: "1.1.0"}
	b1 := plugins.Locked{File: "cxhub-connector-b", SHA256: strings.Repeat("c", 64), Version: "0.1.0"}
	lock := func(m map[string]plugins.Locked) *plugins.Lockfile { return &plugins.Lockfile{Connectors: m} }
	tests := []struct {
		name      string
		old, next *plugins.Lockfile
		want      []lockChange
	}{
		{"first lock", lock(nil), lock(map[string]plugins.Locked{"b": b1, "a": a1}),
			[]lockChange{{Name: "a", Change: "added", Locked: &a1}, {Name: "b", Change: "added", Locked: &b1}}},
		{"same binaries", lock(map[string]plugins.Locked{"a": a1}), lock(map[string]plugins.Locked{"a": a1}),
			[]lockChange{{Name: "a", Change: "unchanged", Locked: &a1}}},
		{"upgrade", lock(map[string]plugins.Locked{"a": a1}), lock(map[string]plugins.Locked{"a": a2}),
			[]lockChange{{Name: "a", Change: "changed", Locked: &a2, Previous: &a1}}},
		{"no longer locked", lock(map[string]plugins.Locked{"a": a1, "b": b1}), lock(map[string]plugins.Locked{"b": b1}),
			[]lockChange{{Name: "a", Change: "removed", Previous: &a1}, {Name: "b", Change: "unchanged", Locked: &b1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lockChanges(tt.old, tt.next); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("lockChanges() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestConnectorsToLock(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"file", "hubspot", "unused"} {
		if err := os.WriteFile(filepath.Join(dir, plugins.BinaryPrefix+n), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	host := plugins.NewHost(dir, dir, nil)
	conns := func(connectors ...string) map[string]*config.Connection {
		m := map[string]*config.Connection{}
		for i, c := range connectors {
			name := "conn" + string(rune('a'+i))
			m[name] = &config.Connection{Name: name, Connector: c}
		}
		return m
	}
	tests := []struct {
		name    string
		conns   map[string]*config.Connection
		all     bool
		want    []string
		wantErr []string
	}{
		{name: "used connectors, each once", conns: conns("hubspot", "file", "hubspot"), want: []string{"file", "hubspot"}},
		{name: "all installed", conns: conns("file"), all: true, want: []string{"file", "hubspot", "unused"}},
		{name: "a connection's connector is missing", conns: conns("file", "zendesk"),
			wantErr: []string{`connection "connb" uses connector "zendesk", which is not installed`, "cxhub-connector-zendesk", dir}},
		{name: "no connections", conns: conns(), wantErr: []string{"demo.yaml", "nothing to lock", "--all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := connectorsToLock("demo.yaml", tt.conns, host, tt.all)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("connectorsToLock() = %v, want an error", got)
				}
				if sdk.KindOf(err) != sdk.KindConfig {
					t.Errorf("kind %s, want config", sdk.KindOf(err))
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("connectorsToLock() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWriteIfChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.lock")
	l := &plugins.Lockfile{Connectors: map[string]plugins.Locked{"a": {SHA256: strings.Repeat("a", 64)}}}
	for i, want := range []bool{true, false} {
		written, err := writeIfChanged(path, l)
		if err != nil {
			t.Fatal(err)
		}
		if written != want {
			t.Errorf("write %d: written = %v, want %v", i+1, written, want)
		}
	}
	l.Connectors["a"] = plugins.Locked{SHA256: strings.Repeat("b", 64)}
	if written, err := writeIfChanged(path, l); err != nil || !written {
		t.Errorf("after a change: written = %v, %v; want true", written, err)
	}
	got, err := plugins.ReadLockfile(path)
	if err != nil || got.Connectors["a"].SHA256 != strings.Repeat("b", 64) {
		t.Errorf("read back %+v, %v; want the changed entry", got, err)
	}
}

// TestBuiltinConnectionsAreNotLocked: the profile store's built-in
// connection has no binary, so plugins lock leaves it out instead of
// failing.
func TestBuiltinConnectionsAreNotLocked(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, plugins.BinaryPrefix+"crmx"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	host := plugins.NewHost(dir, dir, nil)
	names, err := connectorsToLock("demo.yaml", map[string]*config.Connection{
		"crm":       {Name: "crm", Connector: "crmx"},
		"@profiles": {Name: "@profiles", Connector: config.ProfilesConnector, Builtin: true},
	}, host, false)
	if err != nil || len(names) != 1 || names[0] != "crmx" {
		t.Fatalf("connectorsToLock = %v, %v; want only crmx", names, err)
	}
}
