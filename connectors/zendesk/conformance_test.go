package zendesk

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// suiteEnv is a sandbox for the conformance suite: rate limits off, real
// time (the driver moves the clock past the exclusion), injected 429s
// asking for no wait.
func suiteEnv(t *testing.T) (*env, sdktest.Suite) {
	e := newEnv(t, sandbox.Options{Seed: 21, Users: 5, Tickets: 5, Now: time.Now, JobPolls: -1})
	return e, sdktest.Suite{
		Config:         e.config("page_size", 7, "webhook_secret", nil),
		BadCredentials: e.config("token", "wrong-token", "webhook_secret", nil),
		Unreachable:    e.config("base_url", sdktest.UnreachableURL(t), "webhook_secret", nil),
		Driver:         driver{sb: e.sb},
		Records:        25,
		BatchSize:      10,
	}
}

func TestConformanceInProcess(t *testing.T) {
	e, s := suiteEnv(t)
	s.Connector = e.conn
	s.Run(t)
}

func TestConformanceBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin binary")
	}
	_, s := suiteEnv(t)
	s.Binary = pluginBinary(t)
	s.Run(t)
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// pluginBinary builds cxhub-connector-zendesk once per test run.
func pluginBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "zendesk-plugin-")
		if buildErr != nil {
			return
		}
		bin := filepath.Join(buildDir, "cxhub-connector-zendesk")
		out, err := exec.Command("go", "build", "-o", bin, "./cmd/cxhub-connector-zendesk").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err: err, out: string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("build the plugin: %v", buildErr)
	}
	return filepath.Join(buildDir, "cxhub-connector-zendesk")
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}
