package zendesk

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

// allCommentKeys is the sorted ids of every comment the sandbox holds.
func allCommentKeys(sb *sandbox.Sandbox) []string {
	var keys []string
	for _, tk := range sb.Tickets() {
		for _, c := range sb.Comments(tk.ID) {
			keys = append(keys, strconv.FormatInt(c.ID, 10))
		}
	}
	slices.Sort(keys)
	return keys
}

func TestReadCommentsAskOneRequestPerPageOfEvents(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 5, Users: 20, Tickets: 300})
	col := e.read(e.config(), StreamTicketComments, nil)
	want := allCommentKeys(e.sb)
	if got := sortedKeys(col, StreamTicketComments); !slices.Equal(got, want) {
		t.Fatalf("read %d comments, the sandbox holds %d", len(got), len(want))
	}
	if len(col.Records) != len(want) {
		t.Errorf("%d records for %d comments: some came twice", len(col.Records), len(want))
	}
	audits := 0
	for _, tk := range e.sb.Tickets() {
		audits += len(e.sb.Comments(tk.ID)) // one audit per comment (a ticket's first with its creation)
	}
	pages := (audits + 999) / 1000
	st := e.sb.Kit().Stats()
	if n := st.ByRoute["GET /api/v2/incremental/ticket_events.json"]; n != pages {
		t.Errorf("%d requests to the ticket events export for %d events, want %d", n, audits, pages)
	}
	for k, n := range st.ByRoute {
		if strings.HasSuffix(k, "/comments.json") {
			t.Errorf("%d requests to %s: a first read needs none", n, k)
		}
	}
}

func TestReadCommentsPagesAcrossABurstWithoutRepeats(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 6, Users: 5, Tickets: 4})
	tk := e.sb.Tickets()[1]
	for i := range 7 { // seven audits in one second, across pages of 3
		if _, err := e.sb.AddComment(tk.ID, 0, fmt.Sprint("burst ", i), true); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(2 * time.Minute)
	cfg := e.config("page_size", 3)
	col := e.read(cfg, StreamTicketComments, nil)
	if got, want := sortedKeys(col, StreamTicketComments), allCommentKeys(e.sb); !slices.Equal(got, want) || len(col.Records) != len(want) {
		t.Fatalf("read %d records (%d distinct), want each of %d comments once", len(col.Records), len(got), len(want))
	}
	// From the last checkpoint (inside the burst's second) nothing comes again.
	again := e.read(cfg, StreamTicketComments, col.Last(StreamTicketComments))
	if len(again.Records) != 0 {
		t.Errorf("a read from the final checkpoint gave %d comments again", len(again.Records))
	}
	// From each checkpoint of the read, the rest comes, each comment once.
	for i, cp := range col.Checkpoints {
		rest := e.read(cfg, StreamTicketComments, cp.State)
		seen := append(keysBefore(col, i), sortedKeys(rest, StreamTicketComments)...)
		slices.Sort(seen)
		if !slices.Equal(seen, sortedKeys(col, StreamTicketComments)) {
			t.Errorf("from checkpoint %d (%s): %d before + %d after, want %d in all", i, cp.State, len(keysBefore(col, i)), len(rest.Records), len(col.Records))
		}
	}
}

// keysBefore is the keys of the records emitted before checkpoint i.
func keysBefore(col *sdktest.Collector, i int) []string {
	var keys []string
	for _, r := range col.Records[:col.Checkpoints[i].After] {
		keys = append(keys, r.Key)
	}
	return keys
}

func TestReadCommentsEmitsARedactedComment(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 7, Users: 5, Tickets: 6})
	col := e.read(e.config(), StreamTicketComments, nil)
	tk := e.sb.Tickets()[2]
	c := e.sb.Comments(tk.ID)[0]
	word := strings.Fields(c.Body)[0]
	if _, err := e.sb.RedactComment(tk.ID, c.ID, word); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	next := e.read(e.config(), StreamTicketComments, col.Last(StreamTicketComments))
	if len(next.Records) != 1 || next.Records[0].Key != strconv.FormatInt(c.ID, 10) {
		t.Fatalf("after a redaction: %v, want comment %d alone", sortedKeys(next, StreamTicketComments), c.ID)
	}
	body := gjson.GetBytes(next.Records[0].Data, "body").String()
	if strings.Contains(body, word) || !strings.Contains(body, "▇") || gjson.GetBytes(next.Records[0].Data, "ticket_id").Int() != tk.ID {
		t.Errorf("redacted comment %s: want its body without %q, and ticket_id %d", next.Records[0].Data, word, tk.ID)
	}
}

// TestReadCommentsUpgradesAPerTicketCheckpoint: a checkpoint the old reader
// wrote (the ticket export's after_cursor) is continued from an hour
// before the cursor's time: what changed after it comes, older comments
// do not, and nothing is skipped.
func TestReadCommentsUpgradesAPerTicketCheckpoint(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 8, Users: 10, Tickets: 40})
	// A comment ten minutes before the old checkpoint's time: inside the
	// hour the upgraded read goes back.
	inHour, err := e.sb.AddComment(e.sb.Tickets()[1].ID, 0, "before the old checkpoint", true)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	if err := e.sb.TouchTickets(e.sb.Tickets()[2].ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	old := e.read(e.config(), StreamTickets, nil).Last(StreamTickets) // {"cursor": ..}, as the per-ticket reader wrote
	if !strings.Contains(string(old), `"cursor"`) {
		t.Fatalf("tickets checkpoint %s", old)
	}
	tk := e.sb.Tickets()[3]
	c, err := e.sb.AddComment(tk.ID, 0, "after the old checkpoint", true)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	cursor := gjson.GetBytes(old, "cursor").String()
	at, ok := cursorTime(cursor)
	if !ok {
		t.Fatalf("the sandbox's cursor %q carries no time", cursor)
	}
	from := at - int64(legacyLookback/time.Second)
	var want []string
	for _, t := range e.sb.Tickets() {
		for _, cm := range e.sb.Comments(t.ID) {
			if cm.CreatedAt.Unix() >= from {
				want = append(want, strconv.FormatInt(cm.ID, 10))
			}
		}
	}
	slices.Sort(want)
	for _, state := range [][]byte{old, []byte(cursor)} {
		col := e.read(e.config(), StreamTicketComments, state)
		got := sortedKeys(col, StreamTicketComments)
		if !slices.Equal(got, want) || !slices.Contains(got, strconv.FormatInt(c.ID, 10)) || !slices.Contains(got, strconv.FormatInt(inHour.ID, 10)) {
			t.Errorf("from old checkpoint %s: %d comments, want the %d of the hour before it and after, new comment %d among them",
				state, len(got), len(want), c.ID)
		}
		if len(got) == len(allCommentKeys(e.sb)) {
			t.Errorf("from old checkpoint %s: every comment read again", state)
		}
		if !strings.Contains(string(col.Last(StreamTicketComments)), `"export":"ticket_events"`) {
			t.Errorf("the upgraded read checkpoints %s", col.Last(StreamTicketComments))
		}
	}
	// A cursor without a time: every comment again, nothing skipped.
	col := e.read(e.config(), StreamTicketComments, []byte(`{"cursor":"bm90LWEtdGltZQ"}`))
	if got := sortedKeys(col, StreamTicketComments); !slices.Equal(got, allCommentKeys(e.sb)) {
		t.Errorf("from a cursor without a time: %d comments, want all %d", len(got), len(allCommentKeys(e.sb)))
	}
}

func TestDecodeCommentsState(t *testing.T) {
	zendesk := base64.StdEncoding.EncodeToString([]byte("1576613539.0||467|"))
	tests := []struct {
		raw     string
		want    int64
		wantErr bool
	}{
		{"", 99, false},
		{`{"export":"ticket_events","start_time":1700000000,"seen":[5]}`, 1700000000, false},
		{`{"start_time":5}`, 5, false},
		{`{"cursor":"` + zendesk + `"}`, 1576613539 - 3600, false},
		{zendesk, 1576613539 - 3600, false},
		{`{"cursor":"opaque"}`, 99, false},
		{`{"export":"other"}`, 0, true},
		{`{"cursor":`, 0, true},
	}
	for _, tt := range tests {
		got, err := decodeCommentsState(context.Background(), []byte(tt.raw), 99)
		if (err != nil) != tt.wantErr || (err == nil && (got.StartTime != tt.want || got.Export != commentsExport)) {
			t.Errorf("decodeCommentsState(%s) = %+v, %v; want start_time %d", tt.raw, got, err, tt.want)
		}
	}
}

// TestReadCommentsFailsOnAStuckExport: a full page of events all already
// read, without end_of_stream (more events in one second than a page
// holds), would be asked for again and again; the read fails instead.
func TestReadCommentsFailsOnAStuckExport(t *testing.T) {
	page := `{"ticket_events":[{"id":1,"ticket_id":7,"timestamp":1700000000,"child_events":[]},` +
		`{"id":2,"ticket_id":7,"timestamp":1700000000,"child_events":[]}],"count":2,"end_of_stream":false,"end_time":1700000000}`
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls > 5 {
			_, _ = w.Write([]byte(`{"ticket_events":[],"count":0,"end_of_stream":true,"end_time":null}`))
			return
		}
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	_, err := sdktest.ReadAll(context.Background(), New(), sdk.ReadRequest{Config: stubConfig(t, srv.URL),
		Streams: []sdk.StreamState{{Stream: StreamTicketComments}}})
	if sdk.KindOf(err) != sdk.KindTransient || !strings.Contains(fmt.Sprint(err), "not advancing") || calls != 2 {
		t.Errorf("stuck export: %v after %d requests, want a transient 'not advancing' after 2", err, calls)
	}
}

// TestFirstCommentsReadAtZendesksLimits reads the comments of the demo's
// 3,000 tickets against the sandbox with Zendesk's own limits (700 requests
// a minute, 10 for the exports, on the real time) and the connector's
// default paces, and logs how long it took: the figure of
// docs/performance.md. It checks the request count, not the time.
func TestFirstCommentsReadAtZendesksLimits(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 1, RateLimit: sandbox.DefaultRateLimit, IncrementalLimit: sandbox.DefaultIncrementalLimit})
	cfg := e.config("incremental_requests_per_minute", nil, "requests_per_minute", nil)
	began := time.Now()
	col := e.read(cfg, StreamTicketComments, nil)
	took := time.Since(began)
	st := e.sb.Kit().Stats()
	if got, want := sortedKeys(col, StreamTicketComments), allCommentKeys(e.sb); !slices.Equal(got, want) {
		t.Fatalf("read %d comments, the sandbox holds %d", len(got), len(want))
	}
	requests := st.ByRoute["GET /api/v2/incremental/ticket_events.json"]
	if requests != (len(col.Records)+999)/1000 || st.Total != requests || st.ByStatus[429] != 0 {
		t.Errorf("%d export requests (%d in all, %d refused) for %d comments, want one per 1,000 audits and no 429",
			requests, st.Total, st.ByStatus[429], len(col.Records))
	}
	t.Logf("first read of %d tickets' %d comments: %d requests in %v (the per-ticket reader: %d requests, about 4.5 minutes at 700 a minute)",
		len(e.sb.Tickets()), len(col.Records), st.Total, took.Round(time.Millisecond), len(e.sb.Tickets())+3)
}
