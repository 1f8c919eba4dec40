package hubspot

import (
	"slices"
	"testing"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/tidwall/gjson"
)

func TestFullReadEqualsTheSandbox(t *testing.T) {
	e := newEnv(t, sandbox.Options{Seed: 3, Contacts: sandbox.DefaultContacts, Companies: sandbox.DefaultCompanies, Notes: sandbox.DefaultNotes})
	for _, stream := range []string{streamContacts, streamCompanies, streamNotes} {
		t.Run(stream, func(t *testing.T) {
			col := e.read(stream, nil, 500)
			if got, want := sortedKeys(col, stream), sorted(e.ids(stream)); !slices.Equal(got, want) {
				t.Fatalf("read %d keys, the sandbox holds %d; duplicates %v", len(got), len(want), dups(col.Keys(stream)))
			}
			byID := map[string]sandbox.Object{}
			for _, o := range e.sb.Objects(stream) {
				byID[o.ID] = o
			}
			var prev int64
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
				if ms := r.UpdatedAt.UnixMilli(); ms < prev {
					t.Fatalf("record %s modified at %d, after one at %d: not in cursor order", r.Key, ms, prev)
				} else {
					prev = ms
				}
			}
			if len(col.Checkpoints) == 0 || col.Checkpoints[len(col.Checkpoints)-1].After != len(col.Records) {
				t.Errorf("checkpoints %+v: want one after the last record", col.Checkpoints)
			}
		})
	}
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
	e := newEnv(t, sandbox.Options{Contacts: 10500})
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

// changer is an emitter that edits the sandbox after the first batch of a
// read: objects already read and objects not read yet.
type changer struct {
	sdktestCollector
	once  func()
	batch int
}

func TestChangesDuringAReadAreNotMissed(t *testing.T) {
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
	if err := e.conn.Read(t.Context(), readRequest(e, streamContacts, nil, 25), out); err != nil {
		t.Fatal(err)
	}
	got := out.Keys(streamContacts)
	if !slices.Equal(sorted(slices.Compact(sorted(got))), sorted(ids)) {
		t.Fatalf("a read during edits returned %d distinct keys of %d", len(slices.Compact(sorted(got))), len(ids))
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
