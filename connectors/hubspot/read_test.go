package hubspot

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/tidwall/gjson"
)

// TestFullReadEqualsTheSandbox: a read without a checkpoint lists every
// object (GET, 100 a page) and then searches once for what changed
// meanwhile (nothing here); its records are the sandbox's objects, and it
// ends with a checkpoint from which a read returns nothing.
func TestFullReadEqualsTheSandbox(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 3, Contacts: sandbox.DefaultContacts, Companies: sandbox.DefaultCompanies, Notes: sandbox.DefaultNotes})
	for _, stream := range []string{streamContacts, streamCompanies, streamNotes} {
		t.Run(stream, func(t *testing.T) {
			e.sb.Kit().ResetStats()
			col := e.read(stream, nil, 500)
			if got, want := sortedKeys(col, stream), sorted(e.ids(stream)); !slices.Equal(got, want) {
				t.Fatalf("read %d keys, the sandbox holds %d; duplicates %v", len(got), len(want), dups(col.Keys(stream)))
			}
			path := "/crm/v3/objects/" + stream
			if got, want := e.sb.Kit().Count("GET", path), (len(e.ids(stream))+99)/100; got != want {
				t.Errorf("%d list requests, want %d (100 objects a page)", got, want)
			}
			if got := e.sb.Kit().Count("POST", path+"/search"); got != 1 {
				t.Errorf("%d search requests, want 1: the catch-up after the list", got)
			}
			byID := map[string]sandbox.Object{}
			for _, o := range e.sb.Objects(stream) {
				byID[o.ID] = o
			}
			for _, r := range col.Records {
				o := byID[r.Key]
				d := gjson.ParseBytes(r.Data)
				modified := objects[stream].modified
				if d.Get("id").String() != o.ID || d.Get("properties."+modified).String() != o.Properties[modified] ||
					!r.UpdatedAt.Equal(o.UpdatedAt) {
					t.Fatalf("record %s: %s, want the sandbox's %v", r.Key, r.Data, o)
				}
				for _, p := range []string{"email", "firstname", "name", "domain", "hs_note_body", "hs_timestamp"} {
					if v, ok := o.Properties[p]; ok && d.Get("properties."+p).String() != v {
						t.Errorf("record %s: %s = %q, want %q", r.Key, p, d.Get("properties."+p).String(), v)
					}
				}
				if stream == streamNotes && d.Get("associations.contacts.results.0.id").String() != o.Contacts[0] {
					t.Errorf("note %s: associations %s, want contact %s", r.Key, d.Get("associations").Raw, o.Contacts[0])
				}
			}
			if len(col.Checkpoints) != 1 || col.Checkpoints[0].After != len(col.Records) {
				t.Errorf("checkpoints %+v: want one, after the last record", col.Checkpoints)
			}
			if again := e.read(stream, col.Last(stream), 500); len(again.Records) != 0 {
				t.Errorf("read from the full read's checkpoint: %d records, want none", len(again.Records))
			}
		})
	}
}

// TestAFullReadCatchesUpWithChangesMadeDuringTheList edits objects while
// the list runs: those already listed come again with their new values
// (from the catch-up search), one not listed yet comes once, already
// changed, and so does one created meanwhile. The records respect
// checkpoint order, and, with or without the Date header the catch-up
// starts from, a read from the final checkpoint returns nothing.
func TestAFullReadCatchesUpWithChangesMadeDuringTheList(t *testing.T) {
	for _, tt := range []struct {
		name      string
		transport http.RoundTripper
		batch     int
	}{
		{"catch-up from the server's Date", nil, 50},
		{"pages of 3: no checkpoint until the catch-up passes the list", nil, 3},
		{"no Date header: catch-up over everything", dropDate{http.DefaultTransport}, 50},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, sandbox.Options{Contacts: 250})
			e.conn.opts.Transport = tt.transport
			ids := e.ids(streamContacts) // in id order, the list's order
			listed := ids[:5]            // changed after the list sent them, one by one
			var added []string
			out := &changer{at: 2}
			out.once = func() { // after the second page
				for _, id := range listed {
					if _, err := e.sb.Update(streamContacts, id, map[string]string{"firstname": "Changed " + id}); err != nil {
						t.Error(err)
					}
				}
				if _, err := e.sb.Update(streamContacts, ids[200], map[string]string{"firstname": "Unlisted"}); err != nil {
					t.Error(err)
				}
				var err error
				if added, err = e.sb.Add(streamContacts, 1); err != nil {
					t.Error(err)
				}
			}
			if err := e.conn.Read(t.Context(), readRequest(e, streamContacts, nil, tt.batch), out); err != nil {
				t.Fatal(err)
			}
			got := out.Keys(streamContacts)
			if want := sorted(append(slices.Clone(ids), added...)); !slices.Equal(slicesCompact(sorted(got)), want) {
				t.Fatalf("read %d distinct keys, want the %d objects there are", len(slicesCompact(sorted(got))), len(want))
			}
			if n, want := len(got), len(ids)+1+len(listed); n != want {
				t.Errorf("read %d records (repeats %v), want %d: every object once, and those changed after they were listed twice",
					n, dups(got), want)
			}
			last := map[string]string{}
			for _, r := range out.Records {
				last[r.Key] = gjson.GetBytes(r.Data, "properties.firstname").String()
			}
			for _, id := range listed {
				if countOf(got, id) != 2 || last[id] != "Changed "+id {
					t.Errorf("contact %s, changed after it was listed: came %d times, last as %q; want twice, then with the change",
						id, countOf(got, id), last[id])
				}
			}
			if last[ids[200]] != "Unlisted" {
				t.Errorf("contact %s, changed before it was listed, read with firstname %q", ids[200], last[ids[200]])
			}
			for _, p := range checkpointOrderProblems(&out.sdktestCollector) {
				t.Error(p)
			}
			if rest := e.read(streamContacts, out.Last(streamContacts), tt.batch); len(rest.Records) != 0 {
				t.Errorf("read from the final checkpoint: %v, want nothing", rest.Keys(streamContacts))
			}
		})
	}
}

// checkpointOrderProblems lists the records emitted after a checkpoint
// that are older than a record emitted before it: a read resumed from that
// checkpoint by date would not expect them. (The conformance suite's rule.)
func checkpointOrderProblems(col *sdktestCollector) []string {
	var problems []string
	var newest, newestBefore time.Time // the newest record so far; the newest before the last checkpoint passed
	next := 0
	for i, r := range col.Records {
		for next < len(col.Checkpoints) && col.Checkpoints[next].After <= i {
			newestBefore = newest
			next++
		}
		if r.UpdatedAt.Before(newestBefore) {
			problems = append(problems, fmt.Sprintf("record %d (%s, modified %s) comes after a checkpoint that followed a record modified %s",
				i, r.Key, r.UpdatedAt.Format(isoMillis), newestBefore.Format(isoMillis)))
		}
		if r.UpdatedAt.After(newest) {
			newest = r.UpdatedAt
		}
	}
	return problems
}

// dropDate removes the Date header of every answer.
type dropDate struct{ next http.RoundTripper }

func (d dropDate) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.next.RoundTrip(r)
	if resp != nil {
		resp.Header.Del("Date")
	}
	return resp, err
}

func TestIncrementalReadReturnsExactlyTheEdits(t *testing.T) {
	e := newEnv(t, sandbox.Options{})
	full := e.read(streamContacts, nil, 500)
	state := full.Last(streamContacts)
	if col := e.read(streamContacts, state, 500); len(col.Records) != 0 || col.Last(streamContacts) == nil {
		t.Fatalf("read from the last checkpoint with no change: %d records %v, checkpoints %v; want none and a checkpoint",
			len(col.Records), col.Keys(streamContacts), col.Checkpoints)
	}
	ids := e.ids(streamContacts)
	if _, err := e.sb.Touch(streamContacts, ids[3], ids[0], ids[40]); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sb.Update(streamContacts, ids[7], map[string]string{"firstname": "Renamed"}); err != nil {
		t.Fatal(err)
	}
	added, err := e.sb.Add(streamContacts, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := sorted(append([]string{ids[0], ids[3], ids[7], ids[40]}, added...))
	col := e.read(streamContacts, state, 500)
	if got := col.Keys(streamContacts); !slices.Equal(sorted(got), want) || len(dups(got)) > 0 {
		t.Fatalf("read after edits: %v, want exactly %v", got, want)
	}
	for _, r := range col.Records {
		if r.Key == ids[7] && gjson.GetBytes(r.Data, "properties.firstname").String() != "Renamed" {
			t.Errorf("edited contact read as %s", r.Data)
		}
	}
	if again := e.read(streamContacts, col.Last(streamContacts), 500); len(again.Records) != 0 {
		t.Errorf("read from the new checkpoint: %v, want nothing", again.Keys(streamContacts))
	}
}

// TestReadsPastTheSearchCap edits more objects than one search may page
// through, some sharing a date with more objects than a page holds: an
// incremental read returns each exactly once, and never asks past the cap.
func TestReadsPastTheSearchCap(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 400, SearchCap: 50})
	state := e.read(streamContacts, nil, 20).Last(streamContacts)
	var want []string
	for range 6 { // six dates, 20 objects each: ties within a page
		ids, _, err := e.sb.TouchOldest(streamContacts, 20)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, ids...)
	}
	one, _, err := e.sb.TouchOldest(streamContacts, 90) // one date, more objects than a page and than the cap
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, one...)
	col := e.read(streamContacts, state, 20)
	if got := col.Keys(streamContacts); !slices.Equal(sorted(got), sorted(want)) || len(dups(got)) > 0 {
		t.Fatalf("read %d keys (duplicates %v), want the %d edited once each", len(got), dups(got), len(want))
	}
	if n := e.sb.Kit().Stats().ByStatus[400]; n != 0 {
		t.Errorf("the sandbox answered %d requests 400: the read paged past the search cap", n)
	}
	// Every checkpoint of the read resumes without a gap.
	for _, cp := range col.Checkpoints {
		rest := e.read(streamContacts, cp.State, 20)
		gotSet := map[string]bool{}
		for _, k := range rest.Keys(streamContacts) {
			gotSet[k] = true
		}
		for _, r := range col.Records[cp.After:] {
			if !gotSet[r.Key] {
				t.Fatalf("read from checkpoint %s (after record %d) misses %s", cp.State, cp.After, r.Key)
			}
		}
	}
}

// TestReadsPastTheRealCap crosses HubSpot's real 10,000-result cap: 10,500
// contacts edited after a checkpoint are all read, once.
func TestReadsPastTheRealCap(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 10,500 contacts twice")
	}
	// A rolling limit above the 105 list requests of the first read, which
	// would otherwise wait for the next 10-second window.
	e := newEnv(t, sandbox.Options{Contacts: 10500, RateLimit: 1000, SearchLimit: 1000})
	state := e.read(streamContacts, nil, 500).Last(streamContacts)
	ids := e.ids(streamContacts)
	for start := 0; start < len(ids); start += 100 { // 105 edits of 100 contacts each
		if _, err := e.sb.Touch(streamContacts, ids[start:start+100]...); err != nil {
			t.Fatal(err)
		}
	}
	col := e.read(streamContacts, state, 500)
	if got := col.Keys(streamContacts); len(got) != 10500 || len(dups(got)) > 0 {
		t.Fatalf("read %d keys with %d duplicates, want the 10,500 edited contacts once each", len(got), len(dups(got)))
	}
	if n := e.sb.Kit().Stats().ByStatus[400]; n != 0 {
		t.Errorf("the sandbox answered %d requests 400: the read paged past the search cap", n)
	}
}

// changer is an emitter that edits the sandbox once during a read (after
// the batch number at): objects already read and objects not read yet.
type changer struct {
	sdktestCollector
	once  func()
	at    int // the batch after which once runs (0: the first)
	batch int
}

// TestChangesDuringAnIncrementalReadAreNotMissed edits objects while a
// search-based read runs: those already read come again, changed.
func TestChangesDuringAnIncrementalReadAreNotMissed(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 200})
	ids := e.ids(streamContacts)
	out := &changer{}
	var touched []string
	out.once = func() {
		// The objects modified longest ago were read first; the others not yet.
		objs := e.sb.Objects(streamContacts)
		slices.SortFunc(objs, func(a, b sandbox.Object) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
		touched = []string{objs[0].ID, objs[1].ID, objs[150].ID}
		if _, err := e.sb.Touch(streamContacts, touched...); err != nil {
			t.Error(err)
		}
	}
	// A checkpoint before every object: the read searches them all.
	beforeAll := position{TS: 1}.bytes()
	if err := e.conn.Read(t.Context(), readRequest(e, streamContacts, beforeAll, 25), out); err != nil {
		t.Fatal(err)
	}
	if n := e.sb.Kit().Count("GET", "/crm/v3/objects/contacts"); n != 0 {
		t.Fatalf("%d list requests: a read from a checkpoint searches", n)
	}
	got := out.Keys(streamContacts)
	if !slices.Equal(slicesCompact(sorted(got)), sorted(ids)) {
		t.Fatalf("a read during edits returned %d distinct keys of %d", len(slicesCompact(sorted(got))), len(ids))
	}
	// The objects touched after they were read come again, changed.
	for _, id := range touched[:2] {
		if n := countOf(got, id); n != 2 {
			t.Errorf("contact %s, edited after it was read, came %d times; want twice (before and after the edit)", id, n)
		}
	}
	if rest := e.read(streamContacts, out.Last(streamContacts), 25); len(rest.Records) != 0 {
		t.Errorf("read from the final checkpoint: %v, want nothing", rest.Keys(streamContacts))
	}
}

func countOf(keys []string, k string) int {
	n := 0
	for _, x := range keys {
		if x == k {
			n++
		}
	}
	return n
}

func TestReadFromAnUnreadableCheckpointStartsOver(t *testing.T) {
	e := newEnv(t, sandbox.Options{Contacts: 30})
	col := e.read(streamContacts, []byte(`not json`), 500)
	if len(col.Records) != 30 {
		t.Errorf("read from a broken checkpoint gave %d records, want all 30", len(col.Records))
	}
}
