package surveymonkey

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/connectors/surveymonkey/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// TestDailyQuotaEndsTheReadCleanly: with few requests left in the day, a
// read returns what it could read and no error, says when the quota
// resets, sends no request once the quota's headers say it is spent, and its checkpoint
// holds; once the quota resets, a read from that checkpoint returns the
// rest, so that the two reads together return every response once.
func TestDailyQuotaEndsTheReadCleanly(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 10}, nil)
	cfg := e.config(map[string]any{"per_page": 10})
	e.sb.SetDayRemaining(6) // the survey list, a first page, its survey's details, 3 more pages
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	first, err := sdktest.ReadAll(t.Context(), e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: streamResponses}}, BatchSize: 10})
	if err != nil {
		t.Fatalf("read with the quota running out: %v, want a clean end", err)
	}
	all := e.allIDs(allSurveys...)
	if n := len(first.Records); n == 0 || n >= len(all) {
		t.Fatalf("first read: %d records of %d: the quota did not cut it short", n, len(all))
	}
	if !strings.Contains(logs.String(), "daily quota exhausted, resets at ") {
		t.Errorf("log %q does not say the daily quota is exhausted and when it resets", logs.String())
	}
	// The last allowed answer says nothing is left: nothing more is sent,
	// not even one request to be refused.
	if st := e.sb.Kit().Stats(); st.Total != 6 || st.ByStatus[429] != 0 {
		t.Errorf("%d requests sent, %d refused with 429; want the 6 the quota allowed and none refused", st.Total, st.ByStatus[429])
	}
	if len(first.Checkpoints) == 0 {
		t.Fatal("no checkpoint before the quota ran out")
	}
	e.sb.ResetDay()
	rest := e.read(cfg, first.Last(streamResponses))
	got := append(sortedKeys(first.Records[:first.Checkpoints[len(first.Checkpoints)-1].After]), sortedKeys(rest.Records)...)
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Errorf("the two reads returned %d records, want the %d responses each once", len(got), len(all))
	}
}

// TestQuotaSpentElsewhere: when another app spent the quota, the first
// request's 429 (with the day's headers at zero) ends the read cleanly:
// no error, no record, no retry.
func TestQuotaSpentElsewhere(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 10}, nil)
	e.sb.SetDayRemaining(0)
	col, err := sdktest.ReadAll(t.Context(), e.conn, sdk.ReadRequest{Config: e.config(nil),
		Streams: []sdk.StreamState{{Stream: streamResponses}}})
	if err != nil || len(col.Records) != 0 {
		t.Fatalf("read with no quota: %d records, %v; want none and no error", len(col.Records), err)
	}
	if st := e.sb.Kit().Stats(); st.Total != 1 || st.ByStatus[429] != 1 {
		t.Errorf("%d requests, %v: want one, refused with 429, and no retry", st.Total, st.ByStatus)
	}
}
