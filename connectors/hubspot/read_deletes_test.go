package hubspot

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// fakeClock is a sandbox clock that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// deletes returns the keys of a collector's delete records of stream,
// checking each is shaped as the webhook's are.
func deletes(t *testing.T, col *sdktest.Collector, stream string) []string {
	t.Helper()
	var out []string
	for _, r := range col.Records {
		if r.Op != sdk.Delete {
			continue
		}
		if r.Stream != stream || string(r.Data) != `{"id":"`+r.Key+`"}` {
			t.Errorf("delete record %+v: want stream %s and data {\"id\":%q}", r, stream, r.Key)
		}
		out = append(out, r.Key)
	}
	return slices.Sorted(slices.Values(out))
}

// TestReadDeletesEmitsEachArchiveOnce: with read_deletes, an incremental
// read after objects are archived emits one delete record for each, and
// the next read emits none of them again; without the key, no read emits
// deletes.
func TestReadDeletesEmitsEachArchiveOnce(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	e := newEnv(t, sandbox.Options{Seed: 5, Contacts: 30, Companies: 12, Now: clock.now})
	on := map[string]any{"read_deletes": true}
	for _, stream := range []string{streamContacts, streamCompanies} {
		{ // not a subtest: the env's reads fail the test they were made with
			full := e.readWith(e.config(on), stream, nil, 100)
			off := e.readWith(e.config(nil), stream, nil, 100)
			if got := deletes(t, full, stream); len(got) != 0 {
				t.Fatalf("%s: a full read emitted deletes %v before anything was archived", stream, got)
			}
			ids := e.ids(stream)
			gone := sorted([]string{ids[2], ids[7]})
			clock.add(time.Minute)
			if err := e.sb.Delete(stream, gone...); err != nil {
				t.Fatal(err)
			}
			clock.add(time.Minute)
			first := e.readWith(e.config(on), stream, full.Last(stream), 100)
			if got := deletes(t, first, stream); !slices.Equal(got, gone) {
				t.Fatalf("%s: read after archiving %v: deletes %v", stream, gone, got)
			}
			if again := e.readWith(e.config(on), stream, first.Last(stream), 100); len(again.Records) != 0 {
				t.Errorf("%s: the next read: %d records (deletes %v), want none", stream, len(again.Records), deletes(t, again, stream))
			}
			clock.add(time.Hour) // past every lag window
			if again := e.readWith(e.config(on), stream, first.Last(stream), 100); len(again.Records) != 0 {
				t.Errorf("%s: a read an hour later: %d records (deletes %v), want none", stream, len(again.Records), deletes(t, again, stream))
			}
			if without := e.readWith(e.config(nil), stream, off.Last(stream), 100); len(deletes(t, without, stream)) != 0 {
				t.Errorf("%s: without read_deletes: deletes %v, want none", stream, deletes(t, without, stream))
			}
		}
	}
}

// TestReadDeletesFromAnOldCheckpoint: a checkpoint written without
// read_deletes (as every earlier version wrote them) still reads, and
// turning the key on emits the objects archived after the time it covers,
// not the older archives.
func TestReadDeletesFromAnOldCheckpoint(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	e := newEnv(t, sandbox.Options{Seed: 6, Contacts: 20, Now: clock.now})
	ids := e.ids(streamContacts)
	clock.add(time.Minute)
	if err := e.sb.Delete(streamContacts, ids[1]); err != nil { // long before the checkpoint
		t.Fatal(err)
	}
	clock.add(time.Hour)
	old := e.readWith(e.config(nil), streamContacts, nil, 100).Last(streamContacts)
	p, err := parseState(old)
	if err != nil || p.TS == 0 {
		t.Fatalf("checkpoint %s: %+v, %v", old, p, err)
	}
	legacy := []byte(`{"ts":` + ms(p.TS) + `,"id":"","at":"2026-05-01T11:00:00.000Z"}`) // as 0.2.1 writes them
	if _, err := parseState(legacy); err != nil {
		t.Fatalf("old checkpoint %s: %v", legacy, err)
	}
	clock.add(time.Hour)
	if err := e.sb.Delete(streamContacts, ids[4]); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Minute)
	for _, state := range [][]byte{old, legacy} {
		col := e.readWith(e.config(map[string]any{"read_deletes": true}), streamContacts, state, 100)
		if got := deletes(t, col, streamContacts); !slices.Equal(got, []string{ids[4]}) {
			t.Errorf("first read with read_deletes from %s: deletes %v, want only %s (archived after it)", state, got, ids[4])
		}
	}
}

// TestReadDeletesCostsOneListPerHundredArchived: the deletes of a read
// cost one list request per 100 archived objects.
func TestReadDeletesCostsOneListPerHundredArchived(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}
	e := newEnv(t, sandbox.Options{Seed: 7, Contacts: 260, Now: clock.now})
	on := map[string]any{"read_deletes": true}
	cp := e.readWith(e.config(on), streamContacts, nil, 100).Last(streamContacts)
	ids := e.ids(streamContacts)
	clock.add(time.Minute)
	if err := e.sb.Delete(streamContacts, ids[:205]...); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Minute)
	e.sb.Kit().ResetStats()
	col := e.readWith(e.config(on), streamContacts, cp, 100)
	if got := len(deletes(t, col, streamContacts)); got != 205 {
		t.Errorf("%d deletes, want 205", got)
	}
	if got := e.sb.Kit().Count("GET", "/crm/v3/objects/contacts"); got != 3 {
		t.Errorf("%d list requests for 205 archived objects, want 3", got)
	}
}
