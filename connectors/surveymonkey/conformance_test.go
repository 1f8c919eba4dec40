package surveymonkey

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// driver seeds and inspects a sandbox for the conformance suite: responses
// of the NPS survey (the config reads only it), contacts of the seeded list.
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

func (d driver) Seed(_ context.Context, stream string, n int) ([]string, error) {
	if stream != streamResponses {
		return nil, fmt.Errorf("driver: cannot seed %s", stream)
	}
	return d.sb.ReplaceResponses(sandbox.NPSSurveyID, n)
}

func (d driver) Change(_ context.Context, _ string, keys []string, add int) ([]string, error) {
	if _, err := d.sb.Touch(sandbox.NPSSurveyID, keys...); err != nil {
		return nil, err
	}
	added, err := d.sb.Add(sandbox.NPSSurveyID, add)
	out := append([]string{}, keys...)
	for _, x := range added {
		out = append(out, x.ID)
	}
	return out, err
}

func (d driver) Records(stream string, n int, salt int) []sdk.Record {
	if stream != streamContacts {
		return nil
	}
	recs := make([]sdk.Record, n)
	for i := range recs {
		recs[i] = sdk.Record{Stream: stream, Key: fmt.Sprintf("c-%d", i),
			Data: []byte(fmt.Sprintf(`{"email":"conformance.%d@example.com","first_name":"Salt%d","last_name":"Number %d"}`, i, salt, i))}
	}
	return recs
}

func (d driver) Count(_ context.Context, _ string, records []sdk.Record) ([]int, error) {
	out := make([]int, len(records))
	for i, r := range records {
		var c struct {
			Email string `json:"email"`
		}
		if err := json.Unmarshal(r.Data, &c); err != nil {
			return nil, err
		}
		out[i] = len(d.sb.ContactsByEmail(sandbox.ContactListID, c.Email))
	}
	return out, nil
}

func (d driver) BadRecord(stream string) (sdk.Record, bool) {
	return sdk.Record{Stream: stream, Key: "bad", Data: []byte(`{"email":"not an email","first_name":"Bad"}`)}, stream == streamContacts
}

// conformanceSuite starts a sandbox (the clock a little ahead, so that the
// suite's changes land after the seeded responses) and returns a suite.
func conformanceSuite(t *testing.T) sdktest.Suite {
	sb, err := sandbox.New(sandbox.Options{Seed: 11, MinuteLimit: 100000, DayLimit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, sb)
	cfg := func(base, token string) sdk.Config {
		return sdk.Config(fmt.Sprintf(`{"base_url":%q,"token":%q,"requests_per_minute":100000,"max_retries":1,"per_page":4,`+
			`"survey_ids":[%q],"contact_list_id":%q}`, base, token, sandbox.NPSSurveyID, sandbox.ContactListID))
	}
	return sdktest.Suite{
		Config:         cfg(srv.URL, sandbox.DefaultToken),
		BadCredentials: cfg(srv.URL, "not-the-token"),
		Unreachable:    cfg(sdktest.UnreachableURL(t), sandbox.DefaultToken),
		Streams:        []string{streamResponses, streamContacts},
		Driver:         driver{sb: sb, KitFaults: sdktest.KitFaults{Kit: sb.Kit()}},
	}
}

func TestConformance(t *testing.T) {
	s := conformanceSuite(t)
	s.Connector = NewWithOptions(Options{MinBackoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	s.Run(t)
}

func TestConformanceOfTheBinary(t *testing.T) {
	conformanceSuite(t).RunBinary(t, "./cmd/cxhub-connector-surveymonkey")
}
