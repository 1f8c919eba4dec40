package plugins

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A plugin the host starts gets the minimal environment and a client
// certificate for mutual TLS, and none of the host's other variables, its
// secrets and CXHUB_ settings included. The "plugin" is a script that
// writes its environment down and exits. Not parallel: it sets variables
// of the test process.
func TestPluginsGetAMinimalEnvironment(t *testing.T) {
	secrets := map[string]string{
		"AWS_SECRET_ACCESS_KEY": "aws-secret",
		"CXHUB_E2E_SECRET_ENV":  "cxhub-secret",
		"CXHUB_CONFIG":          "/etc/cxhub/prod.yaml",
		"HUBSPOT_TOKEN":         "pat-secret",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("PATH", "/usr/bin:/bin")
	t.Setenv("TZ", "Europe/Paris")
	t.Setenv("CXHUB_LOG_LEVEL", "debug")

	dir := t.TempDir()
	dump := filepath.Join(t.TempDir(), "env")
	writeFile(t, filepath.Join(dir, BinaryPrefix+"envdump"), "#!/bin/sh\nenv > '"+dump+"'\nexit 3\n", 0o755)
	if _, err := NewHost(dir, dir, nil).Start(testCtx(t), "envdump"); err == nil {
		t.Fatal("Start of a script that is no plugin succeeded")
	}
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatalf("the plugin did not run: %v", err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && k != "" && !strings.ContainsAny(k, " -") {
			env[k] = v
		}
	}
	for k := range secrets {
		if _, ok := env[k]; ok {
			t.Errorf("the plugin got the host's %s", k)
		}
	}
	for k, want := range map[string]string{"PATH": "/usr/bin:/bin", "TZ": "Europe/Paris", "CXHUB_LOG_LEVEL": "debug"} {
		if env[k] != want {
			t.Errorf("the plugin has %s=%q, want %q", k, env[k], want)
		}
	}
	if !strings.Contains(string(b), "PLUGIN_CLIENT_CERT=-----BEGIN CERTIFICATE-----") {
		t.Error("the plugin got no client certificate: AutoMTLS is off")
	}
}
