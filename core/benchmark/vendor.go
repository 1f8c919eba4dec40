package benchmark

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
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

// hubspotToken is the HubSpot sandbox's default token
// (connectors/hubspot/sandbox.DefaultToken), which cxhub-sandbox accepts.
const hubspotToken = "sandbox-token"

// syncToHubSpot writes n generated customers to a fresh, empty HubSpot
// sandbox with HubSpot's private-app rate limit on, and counts what it
// took. The sandbox is a cxhub-sandbox process (bin): the core never
// imports a connector, so it reads the sandbox's counters and limits over
// its admin endpoints, as any client would.
func syncToHubSpot(ctx context.Context, dir, pluginDir, bin string, n int) (VendorRun, error) {
	sb, err := startSandbox(ctx, bin, "hubspot")
	if err != nil {
		return VendorRun{}, err
	}
	defer sb.stop()
	cfgPath := filepath.Join(dir, "vendor.yaml")
	yaml := fmt.Sprintf(vendorYAML, pluginDir, n, sb.url, hubspotToken)
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o600); err != nil {
		return VendorRun{}, fmt.Errorf("write vendor config: %w", err)
	}
	run, err := syncInProcess(ctx, cfgPath, pipelineName)
	if err != nil {
		return VendorRun{}, err
	}
	var contacts struct {
		Total int `json:"total"`
	}
	var stats struct {
		Total    int            `json:"total"`
		ByRoute  map[string]int `json:"by_route"`
		ByStatus map[int]int    `json:"by_status"`
	}
	var limits struct {
		RateLimit      int   `json:"rate_limit"`
		RateIntervalMS int64 `json:"rate_interval_ms"`
	}
	for path, v := range map[string]any{
		"/_sandbox/hubspot/objects/contacts": &contacts,
		"/_sandbox/stats":                    &stats,
		"/_sandbox/hubspot/limits":           &limits,
	} {
		if err := getJSON(ctx, sb.url+path, v); err != nil {
			return VendorRun{}, err
		}
	}
	if contacts.Total != n || run.Written != int64(n) {
		return VendorRun{}, fmt.Errorf("hubspot sandbox holds %d contacts and the run wrote %d, want %d", contacts.Total, run.Written, n)
	}
	if limits.RateLimit <= 0 || limits.RateIntervalMS <= 0 {
		return VendorRun{}, fmt.Errorf("hubspot sandbox reports no rate limit (%+v)", limits)
	}
	interval := time.Duration(limits.RateIntervalMS) * time.Millisecond
	needed := (n + hubspotBatch - 1) / hubspotBatch
	perRequest := interval / time.Duration(limits.RateLimit)
	// A rolling window lets RateLimit requests go at once; each further
	// RateLimit waits for a whole window.
	windows := (needed + limits.RateLimit - 1) / limits.RateLimit
	return VendorRun{
		BurstMin:       time.Duration(windows-1) * interval,
		Limit:          fmt.Sprintf("%d per %s", limits.RateLimit, interval),
		Contacts:       n,
		Elapsed:        run.Elapsed,
		Requests:       stats.Total,
		Upserts:        stats.ByRoute["POST /crm/v3/objects/contacts/batch/upsert"],
		TooMany:        stats.ByStatus[429],
		TheoreticalMin: time.Duration(needed) * perRequest,
	}, nil
}
