package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/metrics"
	"github.com/cxhub/cxhub/core/monitor"
	"github.com/cxhub/cxhub/core/state"
)

// pruneConfig: p and q read in/contacts, r reads in/companies; nothing
// reads other/notes.
const pruneConfig = `version: 1
state: {path: state.db}
connections:
  in:    {connector: file, config: {dir: ./in}}
  other: {connector: file, config: {dir: ./other}}
  out:   {connector: file, config: {dir: ./out}}
pipelines:
  - name: p
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: contacts}
  - name: q
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: people}
  - name: r
    from: {connection: in, stream: companies}
    to:   {connection: out, stream: companies}
`

// inboxKeys returns the keys of every entry of the inbox's streams.
func inboxKeys(t *testing.T, st state.Store) []string {
	t.Helper()
	var keys []string
	for _, cs := range [][2]string{{"in", "contacts"}, {"in", "companies"}, {"other", "notes"}} {
		es, err := st.ReadInbox(context.Background(), cs[0], cs[1], 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			keys = append(keys, e.Key)
		}
	}
	slices.Sort(keys)
	return keys
}

// TestPruneInboxKeepsWhatAPipelineHasStillToTake: over a real SQLite
// state, pruning removes the entries older than the retention that every
// pipeline reading their stream has taken, and those of a stream no
// pipeline reads; it keeps every entry newer than the retention, and every
// entry a pipeline has still to take, however old. Nothing ever pruned the
// inbox before (PruneInbox had no caller).
func TestPruneInboxKeepsWhatAPipelineHasStillToTake(t *testing.T) {
	h, _ := newTestHub(t, pruneConfig)
	ctx := context.Background()
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	day := 24 * time.Hour
	at := func(conn, stream, key string, age time.Duration) state.InboxEntry {
		return state.InboxEntry{Connection: conn, Stream: stream, Key: key, Op: "upsert",
			Data: []byte(fmt.Sprintf(`{"id":%q}`, key)), ReceivedAt: now.Add(-age)}
	}
	if _, err := st.AppendInbox(ctx, []state.InboxEntry{
		at("in", "contacts", "c1", 10*day), at("in", "contacts", "c2", 9*day), at("in", "contacts", "c3", time.Hour),
		at("in", "companies", "k1", 8*day),
		at("other", "notes", "n1", 10*day), at("other", "notes", "n2", day),
	}); err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, cs := range [][2]string{{"in", "contacts"}, {"in", "companies"}} {
		es, _ := st.ReadInbox(ctx, cs[0], cs[1], 0, 0)
		for _, e := range es {
			ids[e.Key] = e.ID
		}
	}
	take := func(pipeline string, upTo int64) {
		t.Helper()
		run, err := st.StartRun(ctx, pipeline)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: pipeline, InboxCursor: upTo}); err != nil {
			t.Fatal(err)
		}
		if err := st.FinishRun(ctx, run, state.RunSucceeded, ""); err != nil {
			t.Fatal(err)
		}
	}
	// p took c1 and c2, q only c1; r took nothing.
	take("p", ids["c2"])
	take("q", ids["c1"])

	s := New(h, Options{NoListen: true, InboxRetention: 7 * day})
	n, _, err := s.pruneInbox(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	// c2 is q's to take, k1 r's: both kept, and so is everything newer
	// than the oldest of them; c1 (taken by both) and n1 (read by none)
	// are older than that and the retention.
	if got, want := inboxKeys(t, st), []string{"c2", "c3", "k1", "n2"}; !slices.Equal(got, want) || n != 2 {
		t.Fatalf("after pruning with q and r behind: %v (%d removed), want %v (2 removed)", got, n, want)
	}
	take("q", ids["c3"])
	take("r", ids["k1"])
	if _, _, err := s.pruneInbox(ctx, now); err != nil {
		t.Fatal(err)
	}
	// All taken: what is older than the retention goes, the rest stays.
	if got, want := inboxKeys(t, st), []string{"c3", "n2"}; !slices.Equal(got, want) {
		t.Fatalf("after pruning with every pipeline caught up: %v, want %v", got, want)
	}
}

// TestServePrunesTheInbox: serve prunes the inbox when it starts (and
// then every InboxPruneEvery): an entry of a stream no pipeline reads,
// older than the retention and than what pipelines have still to take, is
// removed; one a pipeline has still to take stays.
func TestServePrunesTheInbox(t *testing.T) {
	old := func(conn, stream, key string, days int) state.InboxEntry {
		return state.InboxEntry{Connection: conn, Stream: stream, Key: key, Op: "upsert",
			Data: []byte(`{}`), ReceivedAt: time.Now().Add(-time.Duration(days) * 24 * time.Hour)}
	}
	e := startErrorsServer(t, func(st state.Store) {
		if _, err := st.AppendInbox(context.Background(), []state.InboxEntry{
			old("in", "unread", "gone", 60), old("in", "contacts", "kept", 30)}); err != nil {
			t.Fatal(err)
		}
	})
	read := func(stream string) int {
		es, err := e.st.ReadInbox(context.Background(), "in", stream, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	deadline := time.Now().Add(10 * time.Second)
	for read("unread") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("serve did not prune a 60-day-old inbox entry of a stream no pipeline reads within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if read("contacts") != 1 {
		t.Error("serve pruned an inbox entry pipeline p has still to take")
	}
}

// TestServeSaysWhenAPipelineHoldsBackTheInboxPruning: a pipeline with a
// webhook record older than the retention still to take (paused, say, for
// a month) holds back the pruning of the whole inbox; serve keeps the
// record, and says so: the log warns naming the pipeline, and the
// inbox_retention_held alert fires. Nothing told the admin before, and
// the inbox grew without a word.
func TestServeSaysWhenAPipelineHoldsBackTheInboxPruning(t *testing.T) {
	e := startErrorsServer(t, func(st state.Store) {
		if _, err := st.AppendInbox(context.Background(), []state.InboxEntry{{Connection: "in", Stream: "contacts", Key: "kept",
			Op: "upsert", Data: []byte(`{}`), ReceivedAt: time.Now().Add(-30 * 24 * time.Hour)}}); err != nil {
			t.Fatal(err)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		alerts, err := e.st.Alerts(context.Background(), state.AlertFilter{Status: state.AlertFiring})
		if err != nil {
			t.Fatal(err)
		}
		var msg string
		for _, a := range alerts {
			if a.Key == "inbox_retention_held:p" {
				msg = a.Message
			}
		}
		if msg != "" {
			for _, want := range []string{"pipeline p has webhook records to take received since", "inbox retention (168h0m0s)", "not pruned", "Resume the pipeline"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the alert says %q, want it to hold %q", msg, want)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no inbox_retention_held alert for p within 10s; firing: %v", alerts)
		}
		time.Sleep(50 * time.Millisecond)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "inbox pruning held back") || !strings.Contains(logs, "pipeline=p") {
		t.Errorf("no warning naming p in the log:\n%s", logs)
	}
	if es, _ := e.st.ReadInbox(context.Background(), "in", "contacts", 0, 0); len(es) != 1 {
		t.Errorf("%d inbox entries of in/contacts, want the one p has still to take", len(es))
	}
}

// TestInboxHoldIsToldAndResolved: over a real SQLite state, monitor and
// metrics, the pipeline holding back the pruning is the one shown: its
// gauge is 1 (the others' 0) and its alert fires; once it has taken its
// records, the gauge is 0, the alert resolves, and the log says so.
func TestInboxHoldIsToldAndResolved(t *testing.T) {
	h, logs := newTestHub(t, pruneConfig)
	ctx := context.Background()
	st, err := h.Store()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := st.AppendInbox(ctx, []state.InboxEntry{{Connection: "in", Stream: "companies", Key: "k1", Op: "upsert",
		Data: []byte(`{}`), ReceivedAt: now.Add(-8 * 24 * time.Hour)}}); err != nil {
		t.Fatal(err)
	}
	m := metrics.New(h)
	s := New(h, Options{NoListen: true, Monitor: monitor.New(h, monitor.Options{}), Metrics: m})
	scrape := func() string {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		return rec.Body.String()
	}
	firing := func() []string {
		alerts, err := st.Alerts(ctx, state.AlertFilter{Status: state.AlertFiring})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, a := range alerts {
			keys = append(keys, a.Key)
		}
		return keys
	}
	warned := map[string]time.Time{}
	if err := s.pruneInboxOnce(ctx, now, warned); err != nil {
		t.Fatal(err)
	}
	out := scrape()
	for _, want := range []string{`cxhub_inbox_prune_held_back{pipeline="r"} 1`, `cxhub_inbox_prune_held_back{pipeline="p"} 0`,
		`cxhub_alerts_firing{kind="inbox_retention_held"} 1`, "# HELP cxhub_inbox_prune_held_back 1 when the pipeline"} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if got := firing(); !slices.Equal(got, []string{"inbox_retention_held:r"}) {
		t.Errorf("firing alerts %v, want inbox_retention_held:r", got)
	}
	if n := strings.Count(logs.String(), "inbox pruning held back"); n != 1 {
		t.Errorf("%d warnings of the hold, want 1:\n%s", n, logs)
	}
	// A second pass within the hour says it again in the alert, not the log.
	if err := s.pruneInboxOnce(ctx, now.Add(10*time.Minute), warned); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "inbox pruning held back"); n != 1 {
		t.Errorf("%d warnings of the hold after a second pass, want 1", n)
	}
	es, _ := st.ReadInbox(ctx, "in", "companies", 0, 0)
	run, err := st.StartRun(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Commit(ctx, state.Commit{RunID: run, Pipeline: "r", InboxCursor: es[0].ID}); err != nil {
		t.Fatal(err)
	}
	if err := s.pruneInboxOnce(ctx, now.Add(20*time.Minute), warned); err != nil {
		t.Fatal(err)
	}
	if out := scrape(); !strings.Contains(out, `cxhub_inbox_prune_held_back{pipeline="r"} 0`) {
		t.Errorf("/metrics after r took its records lacks cxhub_inbox_prune_held_back{pipeline=\"r\"} 0")
	}
	if got := firing(); len(got) != 0 {
		t.Errorf("firing alerts %v after r took its records, want none", got)
	}
	if !strings.Contains(logs.String(), "inbox pruning no longer held back") {
		t.Errorf("the log does not say the hold is over:\n%s", logs)
	}
}
