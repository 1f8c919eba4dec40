package e2e

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	shopify "github.com/cxhub/cxhub/connectors/shopify/sandbox"
	surveymonkey "github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	zendesk "github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// demoCustomer is the person the demo's last step shows (Makefile,
// docs/customers.md).
const demoCustomer = "anita.rhodes.6@adventure-works.example"

// TestDemoStitchesOneCustomerFromEverySandbox runs the demo's last step as
// `make demo` does — configs/customers.yaml itself, against the four
// sandboxes with the demo's seed — and checks what it promises: the
// customer it shows is one profile holding her records of the CRM, the
// help desk and the shop, and a timeline with her interactions of every
// system, the survey tool's included.
func TestDemoStitchesOneCustomerFromEverySandbox(t *testing.T) {
	raw, err := os.ReadFile("../../configs/customers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(raw)
	// The demo's paths are relative to configs/: the test's own state and
	// the test build's plugins instead.
	for old, repl := range map[string]string{
		"state:   {path: ../bin/demo/customers.db}": "state:   {path: customers.db}",
		"plugins: {dir: ../bin/plugins}":            "plugins: {dir: {{plugins}}}",
	} {
		if !strings.Contains(cfg, old) {
			t.Fatalf("configs/customers.yaml no longer has %q: update this test with it", old)
		}
		cfg = strings.Replace(cfg, old, repl, 1)
	}
	var env []string
	for _, v := range []kit.Vendor{hubspot.Vendor, zendesk.Vendor, shopify.Vendor, surveymonkey.Vendor} {
		srv, err := v.Start(1, "127.0.0.1:0") // cxhub-sandbox's default seed, as make demo runs it
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		env = append(env, "CXHUB_SANDBOX_"+strings.ToUpper(v.Name)+"_URL="+srv.URL)
	}
	w := newWorkspace(t, cfg)
	if r := w.cxhubEnv(env, "sync"); r.code != 0 {
		t.Fatalf("the demo's customers sync failed:\n%s", r)
	}
	r := w.cxhubEnv(env, "customers", "show", demoCustomer, "-o", "json")
	if r.code != 0 {
		t.Fatalf("customers show %s failed:\n%s", demoCustomer, r)
	}
	var p struct {
		ID          string              `json:"id"`
		Emails      []string            `json:"emails"`
		ExternalIDs map[string][]string `json:"external_ids"`
		Timeline    []struct {
			System, Kind string
		} `json:"timeline"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("customers show -o json: %v\n%s", err, r.stdout)
	}
	if !slices.Contains(p.Emails, demoCustomer) {
		t.Errorf("the profile's emails %v lack %s", p.Emails, demoCustomer)
	}
	for _, stream := range []string{"crm.contacts", "helpdesk.users", "shop.customers"} {
		if len(p.ExternalIDs[stream]) == 0 {
			t.Errorf("the profile has no record of %s: external ids %v", stream, p.ExternalIDs)
		}
	}
	systems := map[string]bool{}
	for _, e := range p.Timeline {
		systems[e.System] = true
	}
	for _, s := range []string{"crm", "helpdesk", "shop", "surveys"} {
		if !systems[s] {
			t.Errorf("the timeline has nothing from %s: %d entries from %v", s, len(p.Timeline), systems)
		}
	}
	// And the explanation the demo prints after it names the rules that joined them.
	r = w.cxhubEnv(env, "customers", "explain", demoCustomer)
	if r.code != 0 || !strings.Contains(r.stdout, "email") {
		t.Errorf("customers explain %s: want the joins on email:\n%s", demoCustomer, r)
	}
}
