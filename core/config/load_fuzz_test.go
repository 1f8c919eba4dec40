package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/mapping"
)

// fuzzFile is the path the fuzzed bytes are loaded as; every error must
// name it.
const fuzzFile = "/fuzz/configs/cxhub.yaml"

// fuzzEnv is the environment the fuzzed files are interpolated with.
var fuzzEnv = map[string]string{"TOKEN": "pat-123", "EMPTY": "", "PORT": "9101", "URL": "http://127.0.0.1:9101"}

// FuzzLoad runs arbitrary bytes through the loader: it never panics; it
// either fails with Errors, every one naming the file, or gives a Config
// whose parts agree with each other (every pipeline names connections that
// exist, every name is valid and unique, every map and where compiles,
// every setting is in range). Seeds: the demo config, this package's test
// files, and testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	for _, k := range []string{"CXHUB_STATE_PATH", "CXHUB_PLUGINS_DIR", "CXHUB_LOG_LEVEL"} {
		f.Setenv(k, "") // viper reads the process environment
	}
	demo, err := os.ReadFile(filepath.Join("..", "..", "configs", "demo.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		string(demo),
		fullConfig,
		validHead,
		checkHead + "  - name: p\n    from: {connection: crm, stream: contacts}\n    to: {connection: helpdesk, stream: users}\n",
		validHead + "  - name: p\n    from: {connection: crn, stream: contacts}\n    to: {connection: helpdesk, stream: users}\n",
		"version: 1\nconnections:\n  a: {connector: x, config: {token: ${TOKEN}, port: ${PORT}, u: \"${URL}\", e: ${EMPTY:-d}}}\n",
		"version: 1\nconnections:\n  base: &b {connector: x, config: &c {k: 1}}\n  copy: {<<: *b, config: {<<: *c, k: 2}}\n",
		"version: 1\npipelines:\n  - name: p\n    from: {connection: a, stream: s}\n    to: {connection: a, stream: s}\n",
		"version: 1\nlog: {level: verbose}\nstate: {path: \"\"}\n",
		"---\nversion: 1\n---\n",
		"",
		"version: [1\n",
		"version: 1\nx: $${literal}\n",
		"version: 1\nconnections: {a: {connector: \uE000}}\n",
	} {
		f.Add([]byte(seed))
	}
	lookup := func(name string) (string, bool) {
		v, ok := fuzzEnv[name]
		return v, ok
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := load(fuzzFile, filepath.Dir(fuzzFile), data, lookup)
		if err != nil {
			if c != nil {
				t.Errorf("load returned a config and an error: %v", err)
			}
			checkLoadErrors(t, err)
			return
		}
		checkLoadedConfig(t, c)
	})
}

// checkLoadErrors fails t unless err is Errors, each naming the file.
func checkLoadErrors(t *testing.T, err error) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("load error is %T (%v), want Errors", err, err)
	}
	if len(errs) == 0 {
		t.Fatal("load failed with an empty Errors")
	}
	for _, e := range errs {
		if e.File != fuzzFile || !strings.HasPrefix(e.Error(), fuzzFile+":") {
			t.Errorf("error %q does not name the file %s", e.Error(), fuzzFile)
		}
		if e.Line < 0 || e.Column < 0 || (e.Line == 0 && e.Column != 0) {
			t.Errorf("error %q is at line %d, column %d", e.Error(), e.Line, e.Column)
		}
		if e.Msg == "" {
			t.Errorf("error at %d:%d has no message", e.Line, e.Column)
		}
	}
}

// checkLoadedConfig fails t for every part of a loaded config that
// disagrees with the file format's rules.
func checkLoadedConfig(t *testing.T, c *Config) {
	t.Helper()
	if c.File != fuzzFile || c.Version != 1 {
		t.Errorf("File, Version = %q, %d", c.File, c.Version)
	}
	if !filepath.IsAbs(c.StatePath) || (c.PluginsDir != "" && !filepath.IsAbs(c.PluginsDir)) {
		t.Errorf("StatePath %q, PluginsDir %q: want absolute paths", c.StatePath, c.PluginsDir)
	}
	if c.LogLevel != "" && !slices.Contains(logLevels, c.LogLevel) {
		t.Errorf("LogLevel %q", c.LogLevel)
	}
	for name, conn := range c.Connections {
		if conn == nil || conn.Name != name || !namePattern.MatchString(name) || conn.Connector == "" {
			t.Errorf("connection %q = %+v", name, conn)
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(conn.Config, &obj); err != nil || obj == nil {
			t.Errorf("connection %q config %s is not a JSON object: %v", name, conn.Config, err)
		}
	}
	names := map[string]bool{}
	for i, p := range c.Pipelines {
		if !namePattern.MatchString(p.Name) || names[p.Name] {
			t.Errorf("pipeline %d: name %q is invalid or repeated", i, p.Name)
		}
		names[p.Name] = true
		for _, e := range []Endpoint{p.From, p.To} {
			if _, ok := c.Connections[e.Connection]; !ok || e.Stream == "" {
				t.Errorf("pipeline %q: endpoint %+v names no known connection or no stream", p.Name, e)
			}
		}
		if p.From == p.To {
			t.Errorf("pipeline %q reads its own output %+v", p.Name, p.From)
		}
		if !slices.Contains(onErrorValues, p.OnError) || p.BatchSize < 1 || p.BatchSize > 10000 {
			t.Errorf("pipeline %q: on_error %q, batch_size %d", p.Name, p.OnError, p.BatchSize)
		}
		if r := p.Retry; r.InitialInterval < time.Millisecond || r.MaxInterval < r.InitialInterval || r.MaxElapsed < time.Millisecond {
			t.Errorf("pipeline %q: retry %+v", p.Name, r)
		}
		if p.Schedule != 0 && p.Schedule < time.Second {
			t.Errorf("pipeline %q: schedule %v", p.Name, p.Schedule)
		}
		if p.Map != nil {
			if _, err := mapping.Compile(p.Map); err != nil {
				t.Errorf("pipeline %q: the loaded map does not compile: %v", p.Name, err)
			}
		}
		if p.Where != "" {
			if _, err := mapping.CompileFilter(p.Where); err != nil {
				t.Errorf("pipeline %q: the loaded where does not compile: %v", p.Name, err)
			}
		}
	}
}
