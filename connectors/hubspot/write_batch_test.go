package hubspot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cxhub/cxhub/sdk"
	"github.com/tidwall/gjson"
)

// fakeHubSpot serves a batch endpoint with answer, for the shapes of
// answers the sandbox does not give. It counts the batch requests.
func fakeHubSpot(t *testing.T, answer func(inputs []gjson.Result) (int, any)) (sdk.Config, *atomic.Int32) {
	t.Helper()
	calls := &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body json.RawMessage
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil && r.Method == "POST" {
			t.Errorf("fake hubspot: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		if !strings.Contains(r.URL.Path, "/batch/") {
			w.Write([]byte(`{"results":[]}`))
			return
		}
		calls.Add(1)
		status, v := answer(gjson.GetBytes(body, "inputs").Array())
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}))
	t.Cleanup(srv.Close)
	return sdk.Config(`{"base_url":"` + srv.URL + `","token":"t","company_key_property":""}`), calls
}

// batchWrite writes contacts records to a fake.
func batchWrite(t *testing.T, cfg sdk.Config, stream string, recs []sdk.Record) []sdk.Result {
	t.Helper()
	e := &env{t: t, conn: NewWithOptions(Options{MaxBackoff: 1})}
	return e.write(cfg, stream, recs, len(recs))
}

func TestBatchAnswersMapToTheirInputs(t *testing.T) {
	recs := contactRecords(4, "map.example", "M")
	tests := []struct {
		name   string
		answer func(inputs []gjson.Result) (int, any)
		want   []string      // per record: "ok:<id>" or an error's words
		kind   sdk.ErrorKind // of the failed records
	}{
		{"results without trace ids, out of order", func(in []gjson.Result) (int, any) {
			return 200, map[string]any{"status": "COMPLETE", "results": []map[string]any{
				{"id": "13", "new": true, "properties": map[string]string{"email": "P3@map.example"}},
				{"id": "10", "new": false, "properties": map[string]string{"email": "p0@map.example"}},
				{"id": "12", "properties": map[string]string{"email": "p2@map.example"}},
				{"id": "11", "properties": map[string]string{"email": "p1@map.example"}},
			}}
		}, []string{"ok:10", "ok:11", "ok:12", "ok:13"}, 0},
		{"errors named by ids only", func(in []gjson.Result) (int, any) {
			return 207, map[string]any{"status": "COMPLETE",
				"results": []map[string]any{{"id": "10", "properties": map[string]string{"email": "p0@map.example"}},
					{"id": "13", "properties": map[string]string{"email": "p3@map.example"}}},
				"errors": []map[string]any{{"status": "error", "category": "VALIDATION_ERROR", "message": "bad one",
					"context": map[string][]string{"ids": {"P1@MAP.example", "p2@map.example"}}}}}
		}, []string{"ok:10", "bad one", "bad one", "ok:13"}, sdk.KindBadRecord},
		{"an error naming no input, and an input not answered", func(in []gjson.Result) (int, any) {
			return 207, map[string]any{"status": "COMPLETE",
				"results": []map[string]any{{"id": "10", "objectWriteTraceId": "0"}},
				"errors":  []map[string]any{{"status": "error", "message": "something broke", "context": map[string]any{}}}}
		}, []string{"ok:10", "without naming the inputs", "without naming the inputs", "without naming the inputs"}, sdk.KindBadRecord},
		{"an input not answered", func(in []gjson.Result) (int, any) {
			return 200, map[string]any{"status": "COMPLETE",
				"results": []map[string]any{{"id": "10", "objectWriteTraceId": "0"}, {"id": "12", "objectWriteTraceId": "2"}, {"id": "13", "objectWriteTraceId": "3"}}}
		}, []string{"ok:10", "said nothing of it", "ok:12", "ok:13"}, sdk.KindTransient}, // it may be retried
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, _ := fakeHubSpot(t, tt.answer)
			results := batchWrite(t, cfg, streamContacts, recs)
			for i, want := range tt.want {
				r := results[i]
				if id, ok := strings.CutPrefix(want, "ok:"); ok {
					if r.Err != nil || r.ID != id {
						t.Errorf("record %d: %+v, want written as %s", i, r, id)
					}
				} else if r.Err == nil || !strings.Contains(r.Err.Error(), want) || sdk.KindOf(r.Err) != tt.kind {
					t.Errorf("record %d: %v (kind %v), want a %v error saying %q", i, r.Err, sdk.KindOf(r.Err), tt.kind, want)
				}
			}
		})
	}
}

func TestARefusedBatchIsCutDownToTheBadInput(t *testing.T) {
	// This fake refuses a whole batch with 400 when any input is bad, as
	// HubSpot may do for some errors.
	cfg, calls := fakeHubSpot(t, func(in []gjson.Result) (int, any) {
		var results []map[string]any
		for _, x := range in {
			if strings.HasPrefix(x.Get("properties.name").String(), "bad") {
				return 400, map[string]any{"status": "error", "category": "VALIDATION_ERROR", "message": "Property values were not valid: " + x.Get("properties.name").String()}
			}
			results = append(results, map[string]any{"id": "9" + x.Get("objectWriteTraceId").String(), "objectWriteTraceId": x.Get("objectWriteTraceId").String()})
		}
		return 201, map[string]any{"status": "COMPLETE", "results": results}
	})
	recs := make([]sdk.Record, 16)
	for i := range recs {
		name := fmt.Sprintf("good %d", i)
		if i == 5 || i == 11 {
			name = fmt.Sprintf("bad %d", i)
		}
		recs[i] = sdk.Record{Key: fmt.Sprint(i), Data: fmt.Appendf(nil, `{"name":%q}`, name)}
	}
	results := batchWrite(t, cfg, streamCompanies, recs)
	for i, r := range results {
		bad := i == 5 || i == 11
		if bad != (r.Err != nil) || (bad && (sdk.KindOf(r.Err) != sdk.KindBadRecord || !strings.Contains(r.Err.Error(), fmt.Sprintf("bad %d", i)))) {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if n := calls.Load(); n > 16 {
		t.Errorf("%d requests to isolate 2 bad inputs of 16, want a bisection (at most 16)", n)
	}
}

func TestChunksKeepKeysApartAndOrder(t *testing.T) {
	var in []pending
	for i, k := range []string{"a", "b", "a", "c", "b", "a"} {
		in = append(in, pending{at: i, key: k})
	}
	var got [][]int
	for _, c := range chunks(in) {
		var ats []int
		for _, p := range c {
			ats = append(ats, p.at)
		}
		got = append(got, ats)
	}
	if fmt.Sprint(got) != "[[0 1] [2 3 4] [5]]" {
		t.Errorf("chunks %v, want a new request at each repeated key, in order", got)
	}
	many := make([]pending, 250)
	for i := range many {
		many[i] = pending{at: i, key: fmt.Sprint(i)}
	}
	if c := chunks(many); len(c) != 3 || len(c[0]) != 100 || len(c[2]) != 50 {
		t.Errorf("250 inputs cut into %d chunks", len(c))
	}
}

func TestAMissingEndpointFailsTheBatchNotTheRecords(t *testing.T) {
	cfg, calls := fakeHubSpot(t, func(in []gjson.Result) (int, any) {
		return 404, map[string]any{"status": "error", "category": "NOT_FOUND", "message": "no such endpoint"}
	})
	e := &env{t: t, conn: NewWithOptions(Options{MaxBackoff: 1})}
	w, err := e.conn.OpenWriter(t.Context(), sdk.OpenWriterRequest{Config: cfg, Stream: streamContacts})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(t.Context())
	_, err = w.Write(t.Context(), sdk.WriteRequest{Records: contactRecords(40, "x.example", "X")})
	if sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "base_url") {
		t.Errorf("write to a missing endpoint: %v, want the batch to fail with a config error", err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d requests, want 1: no bisection when the endpoint is missing", n)
	}
}

func TestReadableMessages(t *testing.T) {
	tests := []struct{ in, want string }{
		{`Property values were not valid: [{"isValid":false,"message":"Email address x is invalid","error":"INVALID_EMAIL","name":"email"}]`,
			`email: Email address x is invalid (Property values were not valid: [{"isValid":false,"message":"Email address x is invalid","error":"INVALID_EMAIL","name":"email"}])`},
		{`Property values were not valid: [{"message":"a","name":"p"},{"message":"b","name":"q"}]`,
			`p: a; q: b (Property values were not valid: [{"message":"a","name":"p"},{"message":"b","name":"q"}])`},
		{"Property values were not valid: not json", "Property values were not valid: not json"},
		{"Contact already exists. Existing ID: 12", "Contact already exists. Existing ID: 12"},
	}
	for _, tt := range tests {
		if got := readable(tt.in); got != tt.want {
			t.Errorf("readable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
