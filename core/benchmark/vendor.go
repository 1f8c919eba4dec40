package benchmark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	hubspot "github.com/cxhub/cxhub/connectors/hubspot/sandbox"
)

// VendorRun is one rate-limited sync of generated customers into the
// HubSpot sandbox's contacts.
type VendorRun struct {
	Contacts       int
	Elapsed        time.Duration
	Requests       int           // every request the sandbox answered
	Upserts        int           // batch upsert requests
	TooMany        int           // requests answered 429
	TheoreticalMin time.Duration // upsert requests needed ÷ the allowed rate
	BurstMin       time.Duration // the same, counting the burst a sliding window allows at first
	Limit          string        // the sandbox's limit, e.g. "100 per 10s"
}

const vendorYAML = `version: 1
state: {path: state/cxhub.db}
plugins: {dir: %q}
connections:
  gen:
    connector: generator
    config: {count: %d, record_size: 450, seed: 7}
  crm:
    connector: hubspot
    config: {base_url: %q, token: %q}
pipelines:
  - name: bench
    from: {connection: gen, stream: customers}
    to: {connection: crm, stream: contacts}
    map:
      email: email
      firstname: first_name
      lastname: last_name
      phone: phone
    batch_size: 500
`

// hubspotBatch is how many contacts one upsert request carries.
const hubspotBatch = 100

// syncToHubSpot writes n generated customers to a fresh HubSpot sandbox
// with HubSpot's private-app rate limit on, and counts what it took.
func syncToHubSpot(ctx context.Context, dir, pluginDir string, n int) (VendorRun, error) {
	sb, err := hubspot.New(hubspot.Options{Contacts: -1, Companies: -1, Notes: -1})
	if err != nil {
		return VendorRun{}, err
	}
	srv, err := sb.Start("127.0.0.1:0")
	if err != nil {
		return VendorRun{}, err
	}
	defer srv.Close()
	cfgPath := filepath.Join(dir, "vendor.yaml")
	yaml := fmt.Sprintf(vendorYAML, pluginDir, n, srv.URL, hubspot.DefaultToken)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		return VendorRun{}, fmt.Errorf("write vendor config: %w", err)
	}
	run, err := syncInProcess(ctx, cfgPath, pipelineName)
	if err != nil {
		return VendorRun{}, err
	}
	if got := sb.Count("contacts"); got != n || run.Written != int64(n) {
		return VendorRun{}, fmt.Errorf("hubspot sandbox holds %d contacts and the run wrote %d, want %d", got, run.Written, n)
	}
	stats := sb.Kit().Stats()
	o := sb.Options()
	needed := (n + hubspotBatch - 1) / hubspotBatch
	perRequest := o.RateInterval / time.Duration(o.RateLimit)
	// A rolling window lets RateLimit requests go at once; each further
	// RateLimit waits for a whole window.
	windows := (needed + o.RateLimit - 1) / o.RateLimit
	return VendorRun{
		BurstMin:       time.Duration(windows-1) * o.RateInterval,
		Limit:          fmt.Sprintf("%d per %s", o.RateLimit, o.RateInterval),
		Contacts:       n,
		Elapsed:        run.Elapsed,
		Requests:       stats.Total,
		Upserts:        stats.ByRoute["POST /crm/v3/objects/contacts/batch/upsert"],
		TooMany:        stats.ByStatus[429],
		TheoreticalMin: time.Duration(needed) * perRequest,
	}, nil
}
