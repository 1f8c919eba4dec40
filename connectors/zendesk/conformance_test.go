package zendesk

import (
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
		Driver:         driver{sb: e.sb, KitFaults: sdktest.KitFaults{Kit: e.sb.Kit()}},
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
	_, s := suiteEnv(t)
	s.RunBinary(t, "./cmd/cxhub-connector-zendesk")
}

// pluginBinary builds cxhub-connector-zendesk for one test.
func pluginBinary(t *testing.T) string {
	return sdktest.BuildPlugin(t, "./cmd/cxhub-connector-zendesk")
}
