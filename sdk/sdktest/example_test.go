package sdktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// acmeDriver drives the sandbox of a vendor, Acme, whose connector is
// tested: the sandbox's admin endpoints seed and change its contacts and
// count them, and inject faults. A driver only needs to know the system;
// the suite knows the contract.
type acmeDriver struct {
	sandbox string // the sandbox's base URL
}

var (
	_ sdktest.SourceDriver      = acmeDriver{}
	_ sdktest.DestinationDriver = acmeDriver{}
	_ sdktest.Faulter           = acmeDriver{}
)

// Seed replaces the stream's objects by n new ones and returns their ids,
// which the connector uses as record keys.
func (d acmeDriver) Seed(ctx context.Context, stream string, n int) ([]string, error) {
	var keys []string
	err := d.call(ctx, http.MethodPut, "/_sandbox/"+stream, map[string]int{"count": n}, &keys)
	return keys, err
}

// Change touches the given objects and adds new ones, and returns the ids
// of both: what an incremental read must now find.
func (d acmeDriver) Change(ctx context.Context, stream string, keys []string, add int) ([]string, error) {
	var changed []string
	err := d.call(ctx, http.MethodPost, "/_sandbox/"+stream+"/changes", map[string]any{"touch": keys, "add": add}, &changed)
	return changed, err
}

// Records are contacts as the core hands them to the writer, keyed by
// email; salt changes their names only.
func (d acmeDriver) Records(stream string, n, salt int) []sdk.Record {
	recs := make([]sdk.Record, n)
	for i := range recs {
		email := fmt.Sprintf("conformance-%d@example.com", i)
		recs[i] = sdk.Record{Stream: stream, Key: email,
			Data: fmt.Appendf(nil, `{"email":%q,"name":"Contact %d (version %d)"}`, email, i, salt)}
	}
	return recs
}

// Count asks the sandbox how many contacts each record's email has.
func (d acmeDriver) Count(ctx context.Context, stream string, records []sdk.Record) ([]int, error) {
	counts := make([]int, len(records))
	for i, r := range records {
		email := url.QueryEscape(gjson.GetBytes(r.Data, "email").String())
		if err := d.call(ctx, http.MethodGet, "/_sandbox/"+stream+"/count?email="+email, nil, &counts[i]); err != nil {
			return nil, err
		}
	}
	return counts, nil
}

// FailNext makes the sandbox answer the next n requests with status,
// through the admin endpoint of its sdk/sandbox Kit (POST
// /_sandbox/fail-next). A driver in the sandbox's own process calls the
// Kit's Go method, Kit().FailNext(status, n), instead.
func (d acmeDriver) FailNext(ctx context.Context, status, n int) error {
	return d.call(ctx, http.MethodPost, sandbox.AdminPrefix+"fail-next", map[string]int{"status": status, "count": n}, nil)
}

// call sends a JSON request to the sandbox and decodes its JSON answer into out.
func (d acmeDriver) call(ctx context.Context, method, path string, in, out any) error {
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, d.sandbox+path, &body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("sandbox %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("sandbox %s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ExampleSuite shows the suite of a vendor connector built as a plugin
// binary, with a driver for the vendor's sandbox. In the connector's test
// file it runs as
//
//	func TestConformance(t *testing.T) {
//		suite.Run(t)
//	}
//
// with Unreachable set from sdktest.UnreachableURL(t).
func ExampleSuite() {
	sandbox := "http://127.0.0.1:8089" // started by the test, on a free port
	suite := sdktest.Suite{
		Binary:         "bin/plugins/cxhub-connector-acme",
		Config:         sdk.Config(`{"base_url": "` + sandbox + `", "token": "good-token"}`),
		BadCredentials: sdk.Config(`{"base_url": "` + sandbox + `", "token": "revoked-token"}`),
		Driver:         acmeDriver{sandbox: sandbox},
		Streams:        []string{"contacts"},
		Records:        120, // more than the vendor's page size of 100
		BatchSize:      50,
	}
	_ = suite
}
