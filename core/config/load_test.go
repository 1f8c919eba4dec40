package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/mapping"
)

const fullConfig = `version: 1                      # required, must be 1
state: {path: ./cxhub.db}
plugins: {dir: ../bin/plugins}
log: {level: info}
connections:
  crm:
    connector: hubspot
    config: {base_url: http://127.0.0.1:9101, token: ${HUBSPOT_TOKEN}}
  helpdesk:
    connector: zendesk
    config:
      BaseURL: http://127.0.0.1:9102
      auth: {Email: ops@example.com, token: "${ZENDESK_TOKEN:-none}"}
      tags: [a, 2, true, null]
  files:
    connector: file
pipelines:
  - name: crm-contacts-to-helpdesk-users
    from: {connection: crm, stream: contacts}
    to:   {connection: helpdesk, stream: users}
    map:
      email: properties.email
      name: "{{properties.firstname}} {{properties.lastname}}"
      source: {value: hubspot}
      priority: 3
      Email: properties.email
      vip: true
      nothing: null
      tags: {value: [a, b]}
    where: 'properties.email != ""'
    schedule: 5m
    on_error: stop
    batch_size: 200
    retry: {initial_interval: 1s, max_interval: 1m, max_elapsed: 10m}
  - name: files-to-crm
    from: {connection: files, stream: customers}
    to: {connection: crm, stream: contacts}
`

func TestLoadFullFile(t *testing.T) {
	clearOverrides(t)
	t.Setenv("HUBSPOT_TOKEN", "hs-secret")
	t.Setenv("ZENDESK_TOKEN", "")
	path := writeConfig(t, fullConfig)
	dir := filepath.Dir(path)

	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.File != path || c.Version != 1 || c.LogLevel != "info" {
		t.Errorf("File, Version, LogLevel = %q, %d, %q", c.File, c.Version, c.LogLevel)
	}
	if want := filepath.Join(dir, "cxhub.db"); c.StatePath != want {
		t.Errorf("StatePath = %q, want %q", c.StatePath, want)
	}
	if want := filepath.Join(filepath.Dir(dir), "bin", "plugins"); c.PluginsDir != want {
		t.Errorf("PluginsDir = %q, want %q", c.PluginsDir, want)
	}

	wantConns := map[string]*Connection{
		"crm": {Name: "crm", Connector: "hubspot", Pos: Pos{6, 3},
			Config: json.RawMessage(`{"base_url":"http://127.0.0.1:9101","token":"hs-secret"}`)},
		"helpdesk": {Name: "helpdesk", Connector: "zendesk", Pos: Pos{9, 3},
			Config: json.RawMessage(`{"BaseURL":"http://127.0.0.1:9102","auth":{"Email":"ops@example.com","token":"none"},"tags":["a",2,true,null]}`)},
		"files": {Name: "files", Connector: "file", Pos: Pos{15, 3}, Config: json.RawMessage(`{}`)},
	}
	if len(c.Connections) != len(wantConns) {
		t.Errorf("got %d connections, want %d", len(c.Connections), len(wantConns))
	}
	for name, want := range wantConns {
		got, ok := c.Connections[name]
		if !ok {
			t.Errorf("connection %q missing", name)
			continue
		}
		if string(got.Config) != string(want.Config) {
			t.Errorf("connection %q config:\n got %s\nwant %s", name, got.Config, want.Config)
		}
		if !json.Valid(got.Config) {
			t.Errorf("connection %q config is not valid JSON", name)
		}
		got.Config, want.Config = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Errorf("connection %q = %+v, want %+v", name, got, want)
		}
	}

	wantPipes := []*Pipeline{
		{
			Name: "crm-contacts-to-helpdesk-users",
			From: Endpoint{"crm", "contacts"},
			To:   Endpoint{"helpdesk", "users"},
			Map: []mapping.Field{
				{Name: "email", Expr: "properties.email"},
				{Name: "name", Expr: "{{properties.firstname}} {{properties.lastname}}"},
				{Name: "source", Const: json.RawMessage(`"hubspot"`)},
				{Name: "priority", Const: json.RawMessage(`3`)},
				{Name: "Email", Expr: "properties.email"},
				{Name: "vip", Const: json.RawMessage(`true`)},
				{Name: "nothing", Const: json.RawMessage(`null`)},
				{Name: "tags", Const: json.RawMessage(`["a","b"]`)},
			},
			Where:     `properties.email != ""`,
			Schedule:  5 * time.Minute,
			OnError:   "stop",
			BatchSize: 200,
			Retry:     Retry{time.Second, time.Minute, 10 * time.Minute},
			Pos:       Pos{18, 5},
		},
		{
			Name:      "files-to-crm",
			From:      Endpoint{"files", "customers"},
			To:        Endpoint{"crm", "contacts"},
			OnError:   "dead_letter",
			BatchSize: 500,
			Retry:     Retry{500 * time.Millisecond, 30 * time.Second, 2 * time.Minute},
			Pos:       Pos{35, 5},
		},
	}
	if !reflect.DeepEqual(c.Pipelines, wantPipes) {
		for i := range max(len(c.Pipelines), len(wantPipes)) {
			var got, want *Pipeline
			if i < len(c.Pipelines) {
				got = c.Pipelines[i]
			}
			if i < len(wantPipes) {
				want = wantPipes[i]
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("pipeline %d:\n got %+v\nwant %+v", i, got, want)
			}
		}
	}

	// The map compiles with the mapping package as loaded.
	if _, err := mapping.Compile(c.Pipelines[0].Map); err != nil {
		t.Errorf("mapping.Compile of the loaded map: %v", err)
	}
	if p, ok := c.Pipeline("files-to-crm"); !ok || p != c.Pipelines[1] {
		t.Errorf(`Pipeline("files-to-crm") = %v, %v`, p, ok)
	}
	if _, ok := c.Pipeline("nope"); ok {
		t.Error(`Pipeline("nope") found something`)
	}
}

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, "version: 1\npipelines:\n  - name: p\n    from: {connection: a, stream: s}\n    to: {connection: a, stream: t}\n    map: {}\nconnections:\n  a: {connector: x, config: ~}\n")
	dir := filepath.Dir(c.File)
	if want := filepath.Join(dir, "cxhub.db"); c.StatePath != want {
		t.Errorf("StatePath = %q, want %q", c.StatePath, want)
	}
	if c.PluginsDir != "" || c.LogLevel != "" {
		t.Errorf("PluginsDir, LogLevel = %q, %q, want empty", c.PluginsDir, c.LogLevel)
	}
	if got := string(c.Connections["a"].Config); got != "{}" {
		t.Errorf("config = %s, want {}", got)
	}
	want := &Pipeline{
		Name: "p", From: Endpoint{"a", "s"}, To: Endpoint{"a", "t"},
		OnError: OnErrorDeadLetter, BatchSize: DefaultBatchSize,
		Retry: Retry{DefaultInitialInterval, DefaultMaxInterval, DefaultMaxElapsed},
		Pos:   Pos{3, 5},
	}
	if !reflect.DeepEqual(c.Pipelines[0], want) {
		t.Errorf("pipeline:\n got %+v\nwant %+v", c.Pipelines[0], want)
	}

	// Nothing but the version, in a document with markers.
	c = mustLoad(t, "---\nversion: 1\n---\n")
	if len(c.Connections) != 0 || len(c.Pipelines) != 0 {
		t.Errorf("got %d connections and %d pipelines, want none", len(c.Connections), len(c.Pipelines))
	}
}

func TestLoadAbsoluteAndAnchoredValues(t *testing.T) {
	abs := filepath.Join(t.TempDir(), "state", "hub.db")
	c := mustLoad(t, `version: 1
state: {path: `+abs+`}
connections:
  base: &base
    connector: hubspot
    config: &cfg {base_url: "http://a", Retries: 3}
  copy:
    <<: *base
    config:
      <<: *cfg
      Retries: 5
`)
	if c.StatePath != abs {
		t.Errorf("StatePath = %q, want %q", c.StatePath, abs)
	}
	got := c.Connections["copy"]
	if got.Connector != "hubspot" || string(got.Config) != `{"base_url":"http://a","Retries":5}` {
		t.Errorf("merged connection = %s %s", got.Connector, got.Config)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	const file = "version: 1\nstate: {path: file.db}\nplugins: {dir: plugins}\nlog: {level: info}\n"
	elsewhere := filepath.Join(t.TempDir(), "other.db")
	tests := []struct {
		name             string
		env              map[string]string
		state, plugins   string // relative ones are joined to the config's directory
		level, wantError string
	}{
		{name: "file values", state: "file.db", plugins: "plugins", level: "info"},
		{name: "absolute state path", env: map[string]string{"CXHUB_STATE_PATH": elsewhere}, state: elsewhere, plugins: "plugins", level: "info"},
		{name: "relative state path", env: map[string]string{"CXHUB_STATE_PATH": "env.db"}, state: "env.db", plugins: "plugins", level: "info"},
		{name: "plugins dir and log level", env: map[string]string{"CXHUB_PLUGINS_DIR": "/opt/cxhub/plugins", "CXHUB_LOG_LEVEL": "debug"}, state: "file.db", plugins: "/opt/cxhub/plugins", level: "debug"},
		{name: "bad log level", env: map[string]string{"CXHUB_LOG_LEVEL": "verbose"},
			wantError: `FILE: log.level: expected trace, debug, info, warn or error, got "verbose" from environment variable CXHUB_LOG_LEVEL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOverrides(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			path := writeConfig(t, file)
			c, err := Load(path)
			if tt.wantError != "" {
				if err == nil || strings.ReplaceAll(err.Error(), path, "FILE") != tt.wantError {
					t.Fatalf("Load error = %v, want %s", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			abs := func(p string) string {
				if filepath.IsAbs(p) {
					return p
				}
				return filepath.Join(filepath.Dir(path), p)
			}
			if c.StatePath != abs(tt.state) || c.PluginsDir != abs(tt.plugins) || c.LogLevel != tt.level {
				t.Errorf("got %q, %q, %q; want %q, %q, %q", c.StatePath, c.PluginsDir, c.LogLevel, abs(tt.state), abs(tt.plugins), tt.level)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "name one with -c FILE (or set CXHUB_CONFIG)") {
		t.Errorf("Load of a missing file = %v, want a wrapped not-exist error saying how to name a file", err)
	}
}
