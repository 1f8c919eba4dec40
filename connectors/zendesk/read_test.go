package zendesk

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/zendesk/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
	"github.com/tidwall/gjson"
)

func ids[T any](items []T, id func(T) int64) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = strconv.FormatInt(id(it), 10)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(c *sdktest.Collector, stream string) []string {
	k := c.Keys(stream)
	slices.Sort(k)
	return k
}

func TestReadUsersAndTicketsFull(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 2, Users: 120, Tickets: 150})
	cfg := e.config("page_size", 40)
	users := e.read(cfg, StreamUsers, nil)
	if got, want := sortedKeys(users, StreamUsers), ids(e.sb.Users(), func(u sandbox.User) int64 { return u.ID }); !slices.Equal(got, want) {
		t.Fatalf("full read gave %d users, sandbox holds %d", len(got), len(want))
	}
	if n := len(users.Checkpoints); n < 3 {
		t.Errorf("%d checkpoints for 125 users by pages of 40, want one per page", n)
	}
	r := users.Records[len(users.Records)-1]
	var last sandbox.User
	for _, u := range e.sb.Users() {
		if strconv.FormatInt(u.ID, 10) == r.Key {
			last = u
		}
	}
	if !r.UpdatedAt.Equal(last.UpdatedAt) || gjson.GetBytes(r.Data, "email").String() != last.Email || r.Op != sdk.Upsert {
		t.Errorf("record %s: updated %v (want %v), data %s", r.Key, r.UpdatedAt, last.UpdatedAt, r.Data)
	}
	tickets := e.read(cfg, StreamTickets, nil)
	if got, want := sortedKeys(tickets, StreamTickets), ids(e.sb.Tickets(), func(t sandbox.Ticket) int64 { return t.ID }); !slices.Equal(got, want) {
		t.Fatalf("full read gave %d tickets, sandbox holds %d", len(got), len(want))
	}
	for i := 1; i < len(tickets.Records); i++ {
		if tickets.Records[i].UpdatedAt.Before(tickets.Records[i-1].UpdatedAt) {
			t.Fatalf("tickets out of updated_at order at %d", i)
		}
	}
}

// TestIncrementalResumesWithoutGapOrDuplicate changes records, some inside
// Zendesk's one-minute exclusion, and reads from each saved cursor.
func TestIncrementalResumesWithoutGapOrDuplicate(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 3, Users: 30, Tickets: 60})
	cfg := e.config("page_size", 7)
	full := e.read(cfg, StreamTickets, nil)
	state := full.Last(StreamTickets)
	if !json.Valid(state) || gjson.GetBytes(state, "cursor").String() == "" {
		t.Fatalf("checkpoint %s, want {\"cursor\": ...}", state)
	}
	if again := e.read(cfg, StreamTickets, state); len(again.Records) != 0 || again.Last(StreamTickets) == nil {
		t.Fatalf("read from the last cursor with no change: %d records, checkpoint %s", len(again.Records), again.Last(StreamTickets))
	}
	all := e.sb.Tickets()
	first := []int64{all[3].ID, all[40].ID}
	if err := e.sb.TouchTickets(first...); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Second)
	added, err := e.sb.AddTickets(3)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(40 * time.Second) // the first changes are out of the exclusion, the added ones not yet
	r1 := e.read(cfg, StreamTickets, state)
	want1 := ids(first, func(id int64) int64 { return id })
	if got := sortedKeys(r1, StreamTickets); !slices.Equal(got, want1) {
		t.Fatalf("read 1: %v, want %v (the added tickets are still inside the last minute)", got, want1)
	}
	e.clock.Advance(time.Minute)
	r2 := e.read(cfg, StreamTickets, r1.Last(StreamTickets))
	want2 := ids(added, func(t sandbox.Ticket) int64 { return t.ID })
	if got := sortedKeys(r2, StreamTickets); !slices.Equal(got, want2) {
		t.Fatalf("read 2: %v, want %v", got, want2)
	}
	// From every intermediate checkpoint of the full read, the rest of it comes back.
	emitted := full.Keys(StreamTickets)
	for _, cp := range full.Checkpoints[:3] {
		rest := e.read(cfg, StreamTickets, cp.State)
		got := rest.Keys(StreamTickets)
		// The rest of the full read, and the changes since (a changed
		// ticket comes once, at its new place).
		wantRest := append(slices.Clone(emitted[cp.After:]), append(want1, want2...)...)
		slices.Sort(got)
		slices.Sort(wantRest)
		wantRest = slices.Compact(wantRest)
		if !slices.Equal(got, wantRest) {
			t.Errorf("from the checkpoint after %d records: %d keys, want %d", cp.After, len(got), len(wantRest))
		}
	}
}

func TestReadStartTime(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 4, Users: 40, Tickets: -1})
	users := e.sb.Users()
	cut := users[len(users)-1].UpdatedAt.Add(-90 * 24 * time.Hour)
	want := 0
	for _, u := range users {
		if !u.UpdatedAt.Before(cut) {
			want++
		}
	}
	col := e.read(e.config("start_time", cut.Unix()), StreamUsers, nil)
	if len(col.Records) != want || want == 0 || want == len(users) {
		t.Errorf("read from start_time: %d users, want %d of %d", len(col.Records), want, len(users))
	}
}

func TestReadTicketComments(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 5, Users: 10, Tickets: 20})
	cfg := e.config("page_size", 6)
	col := e.read(cfg, StreamTicketComments, nil)
	var want []string
	owner := map[string]int64{}
	for _, tk := range e.sb.Tickets() {
		for _, c := range e.sb.Comments(tk.ID) {
			want = append(want, strconv.FormatInt(c.ID, 10))
			owner[strconv.FormatInt(c.ID, 10)] = tk.ID
		}
	}
	slices.Sort(want)
	if got := sortedKeys(col, StreamTicketComments); !slices.Equal(got, want) {
		t.Fatalf("comments: %d, want %d", len(got), len(want))
	}
	for _, r := range col.Records {
		if gjson.GetBytes(r.Data, "ticket_id").Int() != owner[r.Key] || !gjson.GetBytes(r.Data, "author_id").Exists() || !json.Valid(r.Data) {
			t.Fatalf("comment %s: %s, want ticket_id %d and author_id", r.Key, r.Data, owner[r.Key])
		}
	}
	// A new comment comes alone: not the other comments of its ticket.
	tk := e.sb.Tickets()[7]
	c, err := e.sb.AddComment(tk.ID, tk.RequesterID, "One more thing", true)
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(61 * time.Second)
	next := e.read(cfg, StreamTicketComments, col.Last(StreamTicketComments))
	if got := sortedKeys(next, StreamTicketComments); !slices.Equal(got, []string{strconv.FormatInt(c.ID, 10)}) {
		t.Errorf("after a comment: %v, want only the new comment %d", got, c.ID)
	}
	if r := next.Records[0]; gjson.GetBytes(r.Data, "body").String() != "One more thing" || gjson.GetBytes(r.Data, "ticket_id").Int() != tk.ID ||
		gjson.GetBytes(r.Data, "event_type").Exists() || r.UpdatedAt.IsZero() {
		t.Errorf("new comment record %s (updated %v): want the comment with ticket_id and without event_type", r.Data, r.UpdatedAt)
	}
}

func TestExportRecordsDeletions(t *testing.T) {
	items := gjson.Parse(`[{"id":1,"status":"deleted","updated_at":"2024-05-01T10:00:00Z"},{"id":2,"status":"open"},{"status":"open"}]`).Array()
	recs := exportRecords(StreamTickets, items, ticketDeleted)
	if recs[0].Op != sdk.Delete || recs[1].Op != sdk.Upsert || recs[2].Problem == "" || recs[0].UpdatedAt.IsZero() {
		t.Errorf("records %+v", recs)
	}
	users := exportRecords(StreamUsers, gjson.Parse(`[{"id":1,"active":false},{"id":2,"active":true}]`).Array(), userDeleted)
	if users[0].Op != sdk.Delete || users[1].Op != sdk.Upsert {
		t.Errorf("users %+v", users)
	}
}

func TestDecodeState(t *testing.T) {
	tests := []struct {
		raw     string
		want    exportState
		wantErr bool
	}{
		{"", exportState{StartTime: 99}, false},
		{`{"cursor":"abc"}`, exportState{Cursor: "abc"}, false},
		{`{"start_time":5}`, exportState{StartTime: 5}, false},
		{"bare-cursor", exportState{Cursor: "bare-cursor"}, false},
		{`{"cursor":`, exportState{}, true},
	}
	for _, tt := range tests {
		got, err := decodeState([]byte(tt.raw), 99)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("decodeState(%q) = %+v, %v", tt.raw, got, err)
		}
	}
}
