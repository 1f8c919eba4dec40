package surveymonkey

import (
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/httpx"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// env is a sandbox on 127.0.0.1 and a connector pointed at it.
type env struct {
	t       *testing.T
	sb      *sandbox.Sandbox
	url     string
	conn    *Connector
	counter *httpx.Counter
}

// newEnv starts a sandbox with o (a minute limit too high to pace tests
// unless set) and a connector with short retry waits; transport, if set,
// sends the connector's requests.
func newEnv(t *testing.T, o sandbox.Options, transport http.RoundTripper) *env {
	t.Helper()
	if o.MinuteLimit == 0 {
		o.MinuteLimit = 100000
	}
	if o.DayLimit == 0 {
		o.DayLimit = 100000
	}
	sb, err := sandbox.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := sdktest.StartSandbox(t, sb)
	counter := &httpx.Counter{}
	conn := NewWithOptions(Options{Counter: counter, Transport: transport, MinBackoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	return &env{t: t, sb: sb, url: srv.URL, conn: conn, counter: counter}
}

// config returns a config for the sandbox, with extra members.
func (e *env) config(extra map[string]any) sdk.Config {
	cfg := map[string]any{"base_url": e.url, "token": sandbox.DefaultToken, "requests_per_minute": 100000,
		"contact_list_id": sandbox.ContactListID, "api_key": sandbox.DefaultAPIKey, "api_secret": sandbox.DefaultAPISecret}
	maps.Copy(cfg, extra)
	return sdktest.ConfigOf(e.t, cfg)
}

// read reads responses from state.
func (e *env) read(cfg sdk.Config, state []byte) *sdktest.Collector {
	e.t.Helper()
	return sdktest.MustReadAll(e.t.Context(), e.t, e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: streamResponses, State: state}}, BatchSize: 7})
}

// allIDs returns the ids of every response of the sandbox's surveys.
func (e *env) allIDs(surveys ...string) []string {
	var ids []string
	for _, s := range surveys {
		for _, x := range e.sb.Responses(s) {
			ids = append(ids, x.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// sortedKeys returns the keys of records, sorted, duplicates kept.
func sortedKeys(recs []sdk.Record) []string {
	out := make([]string, 0, len(recs))
	for _, r := range recs {
		out = append(out, r.Key)
	}
	slices.Sort(out)
	return out
}

// byKey indexes records' data by key.
func byKey(recs []sdk.Record) map[string]gjson.Result {
	out := map[string]gjson.Result{}
	for _, r := range recs {
		out[r.Key] = gjson.ParseBytes(r.Data)
	}
	return out
}
