package identity

import (
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

func TestQueuedRoundTrip(t *testing.T) {
	q := queued{pipeline: "p", from: Ref{Connection: "crm", Stream: "contacts"}, to: Ref{Connection: "hd", Stream: "users"},
		recs: []sdk.Record{
			{Key: "1", Data: []byte(`{"a":1}`), UpdatedAt: time.Unix(1700000000, 5).UTC()},
			{Key: "", Data: []byte(`{}`)},                  // no key: left out
			{Key: "x", Problem: "bad", Data: []byte(`{}`)}, // a problem: left out
			{Key: "2", Op: sdk.Delete},
		}}
	got, err := decodeQueued(q.encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.pipeline != "p" || got.from != q.from || got.to != q.to || len(got.recs) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	if r := got.recs[0]; r.Key != "1" || string(r.Data) != `{"a":1}` || !r.UpdatedAt.Equal(q.recs[0].UpdatedAt) || r.Op != sdk.Upsert || r.Stream != "contacts" {
		t.Errorf("record 0: %+v", r)
	}
	if r := got.recs[1]; r.Key != "2" || r.Op != sdk.Delete || len(r.Data) != 0 {
		t.Errorf("record 1: %+v", r)
	}
	enc := q.encode()
	for _, cut := range []int{1, 5, len(enc) - 1} {
		if _, err := decodeQueued(enc[:cut]); err == nil {
			t.Errorf("a queue item cut at %d decoded", cut)
		}
	}
}
