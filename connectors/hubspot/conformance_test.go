package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// driver seeds and inspects a sandbox for the conformance suite.
type driver struct {
	sb *sandbox.Sandbox
	sdktest.KitFaults
}

var (
	_ sdktest.SourceDriver      = driver{}
	_ sdktest.DestinationDriver = driver{}
	_ sdktest.BadRecorder       = driver{}
	_ sdktest.Faulter           = driver{}
)

// Seed replaces the stream's objects with n new ones.
func (d driver) Seed(_ context.Context, stream string, n int) ([]string, error) {
	return d.sb.Replace(stream, n)
}

// Change touches keys and adds add objects.
func (d driver) Change(_ context.Context, stream string, keys []string, add int) ([]string, error) {
	if _, err := d.sb.Touch(stream, keys...); err != nil {
		return nil, err
	}
	added, err := d.sb.Add(stream, add)
	return append(append([]string{}, keys...), added...), err
}

// Records returns n records of stream, as a pipeline would map them.
func (d driver) Records(stream string, n int, salt int) []sdk.Record {
	contact := ""
	if objs := d.sb.Objects(streamContacts); len(objs) > 0 {
		contact = objs[0].ID
	}
	recs := make([]sdk.Record, n)
	for i := range recs {
		var data string
		switch stream {
		case streamContacts:
			data = fmt.Sprintf(`{"email":"conformance.%d@example.com","firstname":"Salt%d","lastname":"Number %d"}`, i, salt, i)
		case streamCompanies:
			data = fmt.Sprintf(`{"name":"Conformance %d v%d","domain":"conformance-%d.example"}`, i, salt, i)
		case streamNotes:
			data = fmt.Sprintf(`{"hs_note_body":"note %d, version %d","hs_timestamp":"2026-01-02T03:04:05Z","contact_id":%q}`, i, salt, contact)
		}
		recs[i] = sdk.Record{Stream: stream, Key: fmt.Sprintf("%s-%d", stream, i), Data: []byte(data)}
	}
	return recs
}

// Count counts the objects each record became: contacts by email, the
// others by their key property.
func (d driver) Count(_ context.Context, stream string, records []sdk.Record) ([]int, error) {
	out := make([]int, len(records))
	for i, r := range records {
		if stream == streamContacts {
			var c struct {
				Email string `json:"email"`
			}
			if err := json.Unmarshal(r.Data, &c); err != nil {
				return nil, err
			}
			out[i] = len(d.sb.Find(stream, "email", c.Email))
		} else {
			out[i] = len(d.sb.Find(stream, "cxhub_key", r.Key))
		}
	}
	return out, nil
}

// BadRecord returns a record HubSpot (or the connector) refuses.
func (d driver) BadRecord(stream string) (sdk.Record, bool) {
	data := map[string]string{
		streamContacts:  `{"email":"not an email","firstname":"Bad"}`,
		streamCompanies: `{"name":{"nested":"objects are not properties"}}`,
		streamNotes:     `{"hs_note_body":"about nobody","hs_timestamp":"2026-01-02T03:04:05Z"}`,
	}[stream]
	return sdk.Record{Stream: stream, Key: stream + "-bad", Data: []byte(data)}, true
}

// conformanceSuite starts a sandbox and returns a suite for it.
func conformanceSuite(t *testing.T) sdktest.Suite {
	sb, err := sandbox.New(sandbox.Options{Seed: 11, Contacts: 40, Companies: 10, Notes: 10,
		RateLimit: 1000, RateInterval: time.Second, SearchLimit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, sb)
	// The suite writes the same records twice without TargetID: only the
	// key properties make that idempotent (the default, links, is tested
	// by TestWritesCreateThenUpdateByLinks).
	cfg := func(base, token string) sdk.Config {
		return sdk.Config(fmt.Sprintf(`{"base_url":%q,"token":%q,"search_requests_per_second":100,`+
			`"company_key_property":"cxhub_key","note_key_property":"cxhub_key"}`, base, token))
	}
	return sdktest.Suite{
		Config:         cfg(srv.URL, sandbox.DefaultToken),
		BadCredentials: cfg(srv.URL, "not-the-token"),
		Unreachable:    cfg(sdktest.UnreachableURL(t), sandbox.DefaultToken),
		Driver:         driver{sb: sb, KitFaults: sdktest.KitFaults{Kit: sb.Kit()}},
	}
}

func TestConformance(t *testing.T) {
	s := conformanceSuite(t)
	s.Connector = NewWithOptions(Options{MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	s.Run(t)
}

func TestConformanceOfTheBinary(t *testing.T) {
	conformanceSuite(t).RunBinary(t, "./cmd/cxhub-connector-hubspot")
}
