package shopify

import (
	"testing"

	"github.com/cxhub/cxhub/connectors/shopify/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// suiteEnv is a sandbox for the conformance suite, on the real clock.
func suiteEnv(t *testing.T) (*env, sdktest.Suite) {
	e := newEnv(t, sandbox.Options{Seed: 21, Customers: 5, Orders: 5})
	return e, sdktest.Suite{
		Config:         e.config("page_size", 7),
		BadCredentials: e.config("access_token", "shpat_wrong"),
		Unreachable:    e.config("base_url", sdktest.UnreachableURL(t)),
		Driver:         driver{sb: e.sb, KitFaults: sdktest.KitFaults{Kit: e.sb.Kit()}},
		Records:        25,
		BatchSize:      10,
		// Fulfillment tracking updates fulfillments that exist: never a create.
		UpdateOnly: []string{StreamFulfillments},
	}
}

func TestConformanceInProcess(t *testing.T) {
	e, s := suiteEnv(t)
	s.Connector = e.conn
	s.Run(t)
}

func TestConformanceBinary(t *testing.T) {
	_, s := suiteEnv(t)
	s.RunBinary(t, "./cmd/cxhub-connector-shopify")
}
