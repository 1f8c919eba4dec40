package host

import (
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// A connector built with an SDK that speaks only protocol version 1 (before
// packed batches) works with this host exactly as a version 2 one does:
// the same records read, in order, with their checkpoints, and the same
// writes and results, record errors included. The default fixture speaks
// version 2, so the other tests of this package cover the packed form.
func TestProtocolVersion1And2Interoperate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		path    string
		version int
	}{
		{"version 1 connector", fixtures.connectorV1, 1},
		{"version 2 connector", fixtures.connector, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := launch(t, Options{Path: tc.path})
			if got := p.ProtocolVersion(); got != tc.version {
				t.Fatalf("negotiated protocol version %d, want %d", got, tc.version)
			}
			ctx := testContext(t, 60*time.Second)

			const total, every, batch = 3_000, 250, 100
			var out recorder
			err := p.Read(ctx, sdk.ReadRequest{
				Config:    config(t, map[string]any{"records": total, "checkpoint_every": every, "record_bytes": 64}),
				Streams:   []sdk.StreamState{{Stream: "contacts"}},
				BatchSize: batch,
			}, &out)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			compareEvents(t, out.events, expectRead("contacts", 0, total, every, 64))

			// Upserts, deletes with target ids, problems, records without an
			// update time: every column of a packed batch.
			w := openWriter(t, p, nil)
			records := writeRecords(60, 100)
			resp, err := w.Write(ctx, sdk.WriteRequest{Records: records})
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			checkWritten(t, records, resp.Results)
			if err := w.Close(ctx); err != nil {
				t.Errorf("Close: %v", err)
			}

			failing := writeRecords(3, 50)
			w = openWriter(t, p, map[string]any{"fail_keys": map[string]any{
				failing[1].Key: map[string]any{"kind": "rate_limited", "message": "slow down", "retry_after_ms": 1500},
			}})
			resp, err = w.Write(ctx, sdk.WriteRequest{Records: failing})
			if err != nil {
				t.Fatalf("Write: %v", err)
			}
			got := resp.Results[1]
			if sdk.KindOf(got.Err) != sdk.KindRateLimited || got.Err.Error() != "slow down" || sdk.RetryAfterOf(got.Err) != 1500*time.Millisecond || got.ID != "" {
				t.Errorf("failed record's result = %+v (kind %s, wait %v), want rate_limited \"slow down\" after 1.5s, no id",
					got, sdk.KindOf(got.Err), sdk.RetryAfterOf(got.Err))
			}
			checkWritten(t, failing[2:], resp.Results[2:])
			checkWritten(t, failing[:1], resp.Results[:1])
		})
	}
}
