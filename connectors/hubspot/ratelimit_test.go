package hubspot

import (
	"fmt"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	kit "github.com/cxhub/cxhub/sdk/sandbox"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestWritesKeepUnderTheRollingLimit writes through a sandbox whose
// rolling window is small: the connector learns it from the
// X-HubSpot-RateLimit headers and is never refused.
func TestWritesKeepUnderTheRollingLimit(t *testing.T) {
	e := newEnv(t, sandbox.Options{RateLimit: 8, RateInterval: 250 * time.Millisecond, SearchLimit: 100})
	results := e.write(e.config(nil), streamContacts, contactRecords(2400, "paced.example", "P"), 500)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n != 0 {
		t.Errorf("the sandbox answered 429 %d times: the writer did not keep to the window its headers announce", n)
	}
}

// TestSearchesKeepToTheirPace reads from a checkpoint (by search) through
// a sandbox whose search limit is the config's pace: no search is refused.
func TestSearchesKeepToTheirPace(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 600, RateLimit: 1000, SearchLimit: 20, SearchInterval: time.Second})
	state := position{TS: 1}.bytes() // before every contact: the read searches them all
	cfg := e.config(map[string]any{"search_requests_per_second": 20})
	col, err := sdktest.ReadAll(t.Context(), e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: streamContacts, State: state}}, BatchSize: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(col.Records) != 600 {
		t.Errorf("read %d contacts, want 600", len(col.Records))
	}
	if n := e.sb.Kit().Count("POST", "/crm/v3/objects/contacts/search"); n < 30 {
		t.Errorf("%d searches, want at least 30 (20 results each)", n)
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n != 0 {
		t.Errorf("the sandbox refused %d searches: the reader went faster than search_requests_per_second", n)
	}
}

// TestSyncsCompleteThrough429Bursts injects storms of 429s (with
// HubSpot's body and headers): reads and writes wait and go on.
func TestSyncsCompleteThrough429Bursts(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 300, RateLimit: 1000, RateInterval: 200 * time.Millisecond, SearchLimit: 1000})
	if err := e.sb.Kit().SetFaults(kit.Faults{RateLimitStorm: 3}); err != nil {
		t.Fatal(err)
	}
	col := e.read(streamContacts, nil, 100)
	if len(col.Records) != 300 {
		t.Fatalf("read %d contacts through a 429 storm, want 300", len(col.Records))
	}
	e.sb.Kit().FailNext(429, 3)
	results := e.write(e.config(nil), streamContacts, contactRecords(250, "storm.example", "S"), 250)
	for i, r := range results {
		if r.Err != nil {
			t.Fatalf("record %d written through a 429 storm: %v", i, r.Err)
		}
	}
	if got := e.sb.Kit().Stats().ByStatus[429]; got != 6 {
		t.Errorf("the sandbox answered 429 %d times, want the 6 injected", got)
	}
	if got := e.counter.Retries(); got < 6 {
		t.Errorf("%d retries, want at least one per 429", got)
	}
}

// TestTransientFaultsAreRetried: 5xx, dropped connections and truncated
// bodies do not end a read, and an upsert whose answer was lost is sent
// again without making a second contact. (The kit's faults are drawn from
// the sandbox's seed: the run is repeatable.)
func TestTransientFaultsAreRetried(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 300, Notes: 100})
	if err := e.sb.Kit().SetFaults(kit.Faults{ErrorRate: 0.1, DropRate: 0.05, TruncateRate: 0.05}); err != nil {
		t.Fatal(err)
	}
	for _, stream := range []string{streamContacts, streamNotes} {
		col := e.read(stream, nil, 50)
		if got := sorted(col.Keys(stream)); len(slicesCompact(got)) != len(e.ids(stream)) {
			t.Errorf("%s: read %d distinct keys through faults, want %d", stream, len(slicesCompact(got)), len(e.ids(stream)))
		}
	}
	if e.counter.Retries() == 0 {
		t.Error("no retry: the faults were not injected")
	}
	if err := e.sb.Kit().SetFaults(kit.Faults{DropAfterRate: 0.3}); err != nil {
		t.Fatal(err)
	}
	e.sb.Kit().ResetStats()
	for i, r := range e.write(e.config(nil), streamContacts, contactRecords(300, "lost.example", "L"), 50) {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
		if n := len(e.sb.Find(streamContacts, "email", fmt.Sprintf("p%d@lost.example", i))); n != 1 {
			t.Fatalf("%d contacts for record %d after lost answers, want 1", n, i)
		}
	}
	if e.sb.Kit().Stats().ByStatus[0] == 0 {
		t.Error("no answer was lost: the fault was not injected")
	}
}

// TestPipelinesOnOneTokenShareOneBudget writes through two writers at
// once, as two pipelines on one token do: HubSpot counts the account's
// requests, so the two must pace together. None is refused.
func TestPipelinesOnOneTokenShareOneBudget(t *testing.T) {
	e := newEnv(t, sandbox.Options{RateLimit: 6, RateInterval: 300 * time.Millisecond, SearchLimit: 100})
	cfg := e.config(nil)
	errs := make(chan error, 2)
	for i, domain := range []string{"one.example", "two.example"} {
		go func() {
			w, err := e.conn.OpenWriter(t.Context(), sdk.OpenWriterRequest{Config: cfg, Stream: streamContacts})
			if err != nil {
				errs <- err
				return
			}
			defer w.Close(t.Context())
			recs := contactRecords(1200, domain, fmt.Sprint("P", i))
			for start := 0; start < len(recs); start += 100 {
				resp, err := w.Write(t.Context(), sdk.WriteRequest{Records: recs[start : start+100]})
				if err != nil {
					errs <- err
					return
				}
				for _, r := range resp.Results {
					if r.Err != nil {
						errs <- r.Err
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n != 0 {
		t.Errorf("the sandbox answered 429 %d times: the two writers paced apart", n)
	}
}

// TestTwoReadsOnOneTokenShareTheSearchPace reads the contacts twice at
// once, as two pipelines on one token do: the connector paces their
// searches together, so HubSpot's search limit refuses none.
func TestTwoReadsOnOneTokenShareTheSearchPace(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 300, RateLimit: 1000, SearchLimit: 20, SearchInterval: time.Second})
	state := position{TS: 1}.bytes()
	cfg := e.config(map[string]any{"search_requests_per_second": 20})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			col, err := sdktest.ReadAll(t.Context(), e.conn, sdk.ReadRequest{Config: cfg,
				Streams: []sdk.StreamState{{Stream: streamContacts, State: state}}, BatchSize: 20})
			if err == nil && len(col.Records) != 300 {
				err = fmt.Errorf("read %d contacts, want 300", len(col.Records))
			}
			errs <- err
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := e.sb.Kit().Stats().ByStatus[429]; n != 0 {
		t.Errorf("the sandbox refused %d searches: the two reads paced apart", n)
	}
}
