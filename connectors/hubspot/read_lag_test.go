package hubspot

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/connectors/hubspot/sandbox"
	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/sdktest"
)

// readWith reads one stream from state with cfg.
func (e *env) readWith(cfg sdk.Config, stream string, state []byte, batch int) *sdktest.Collector {
	e.t.Helper()
	return sdktest.MustReadAll(e.t.Context(), e.t, e.conn, sdk.ReadRequest{Config: cfg,
		Streams: []sdk.StreamState{{Stream: stream, State: state}}, BatchSize: batch})
}

// TestSearchLagCatchesObjectsIndexedLate: the search index shows a change
// 5 s after it lands, and HubSpot dates a change when it starts writing
// it, so the "late" contact, dated 2 s before the "early" ones, is not in
// the index yet when a read returns them. With search_lag 10s the next
// read still returns it, from the last checkpoint and from every one sent
// mid-read; without a lag window (0s) the checkpoints moved past its date
// and it is never read.
func TestSearchLagCatchesObjectsIndexedLate(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	for _, tt := range []struct {
		name, lag string
		noDate    bool // answers without a Date header: the window starts from the newest date seen
		wantLate  bool
	}{
		{"search_lag 10s", "10s", false, true},
		{"search_lag 10s, no Date header", "10s", true, true},
		{"search_lag 0s", "0s", false, false}, // the gap the window closes: this proves the scenario can miss an object
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := sdktest.NewClock(t0)
			e := newEnv(t, sandbox.Options{Contacts: 30, IndexLag: 5 * time.Second, Now: clock.Now})
			if tt.noDate {
				e.conn.opts.Transport = dropDate{http.DefaultTransport}
			}
			cfg := e.config(map[string]any{"search_lag": tt.lag})
			state := e.readWith(cfg, streamContacts, nil, 100).Last(streamContacts)
			ids := e.ids(streamContacts)
			early, late := ids[3:6], ids[7]
			for i, id := range early { // dated t1, t1+100ms, t1+200ms; in the index 5 s later
				clock.Set(t1.Add(time.Duration(i) * 100 * time.Millisecond))
				if _, err := e.sb.Touch(streamContacts, id); err != nil {
					t.Fatal(err)
				}
			}
			clock.Set(t1.Add(time.Second))
			if err := e.sb.TouchAt(streamContacts, t1.Add(-2*time.Second), late); err != nil { // dated t1-2s, in the index from t1+6s
				t.Fatal(err)
			}
			clock.Set(t1.Add(5500 * time.Millisecond))
			first := e.readWith(cfg, streamContacts, state, 1) // a page per object: checkpoints mid-read
			if got := first.Keys(streamContacts); !slices.Equal(got, early) {
				t.Fatalf("read at t1+5.5s: %v, want only the early contacts %v (the late one is not indexed yet)", got, early)
			}

			clock.Set(t1.Add(30 * time.Second))
			second := e.readWith(cfg, streamContacts, first.Last(streamContacts), 100)
			var want []string
			if tt.wantLate {
				want = []string{late}
			}
			if got := second.Keys(streamContacts); !slices.Equal(got, want) {
				t.Fatalf("read at t1+30s from the checkpoint %s: %v, want %v", first.Last(streamContacts), got, want)
			}
			for _, cp := range first.Checkpoints {
				got := e.readWith(cfg, streamContacts, cp.State, 100).Keys(streamContacts)
				if slices.Contains(got, late) != tt.wantLate {
					t.Errorf("read at t1+30s from the checkpoint %s, sent after record %d: %v; want the late contact %s: %v",
						cp.State, cp.After, got, late, tt.wantLate)
				}
			}
			if again := e.readWith(cfg, streamContacts, second.Last(streamContacts), 100); len(again.Records) != 0 {
				t.Errorf("read from the last checkpoint %s, nothing changed: %v, want nothing", second.Last(streamContacts), again.Keys(streamContacts))
			}
		})
	}
}

// TestLagWindowCheckpoints: a checkpoint stays search_lag behind the
// server's clock (the Date header) and lists only the objects read after
// that floor, with their dates; one dated before the floor is covered by
// the floor itself. A read from it skips them until they change again.
func TestLagWindowCheckpoints(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	clock := sdktest.NewClock(t0)
	e := newEnv(t, sandbox.Options{Contacts: 30, Now: clock.Now})
	cfg := e.config(map[string]any{"search_lag": "20s"})
	state := e.readWith(cfg, streamContacts, nil, 100).Last(streamContacts)
	ids := e.ids(streamContacts)

	clock.Set(t0.Add(time.Minute))
	if _, err := e.sb.Touch(streamContacts, ids[0]); err != nil { // before the next read's floor
		t.Fatal(err)
	}
	clock.Set(t0.Add(90 * time.Second))
	at, err := e.sb.Touch(streamContacts, ids[1], ids[2]) // within the window
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(t0.Add(100 * time.Second))
	col := e.readWith(cfg, streamContacts, state, 100)
	if got := sorted(col.Keys(streamContacts)); !slices.Equal(got, sorted(ids[:3])) {
		t.Fatalf("read after three changes: %v, want %v", got, ids[:3])
	}
	p, err := parseState(col.Last(streamContacts))
	if err != nil {
		t.Fatal(err)
	}
	wantSeen := map[string]int64{ids[1]: at.UnixMilli(), ids[2]: at.UnixMilli()}
	if floor := t0.Add(80 * time.Second).UnixMilli(); p.TS != floor || p.ID != "" || !maps.Equal(p.Seen, wantSeen) {
		t.Errorf("checkpoint %s: want ts %d (the server's clock less 20s), no id, seen %v", col.Last(streamContacts), floor, wantSeen)
	}
	if again := e.readWith(cfg, streamContacts, col.Last(streamContacts), 100); len(again.Records) != 0 {
		t.Errorf("read from %s with nothing changed: %v, want nothing", col.Last(streamContacts), again.Keys(streamContacts))
	}
	clock.Set(t0.Add(101 * time.Second))
	if _, err := e.sb.Touch(streamContacts, ids[2]); err != nil { // in the checkpoint's seen, at an older date
		t.Fatal(err)
	}
	if got := e.readWith(cfg, streamContacts, col.Last(streamContacts), 100).Keys(streamContacts); !slices.Equal(got, []string{ids[2]}) {
		t.Errorf("read after %s changed again: %v, want it alone", ids[2], got)
	}
}

// TestCheckpointsOldAndNew: a checkpoint of an earlier version ({ts,id,at})
// still reads, as does one with seen; broken ones do not.
func TestCheckpointsOldAndNew(t *testing.T) {
	for _, tt := range []struct {
		name, state string
		want        position
		bad         bool
	}{
		{"empty: the start", ``, position{}, false},
		{"earlier version", `{"ts":1777629600000,"id":"1512","at":"2026-05-01T10:00:00.000Z"}`,
			position{TS: 1777629600000, ID: "1512", At: "2026-05-01T10:00:00.000Z"}, false},
		{"with seen", `{"ts":1777629570000,"at":"2026-05-01T09:59:30.000Z","seen":{"1002":1777629600000}}`,
			position{TS: 1777629570000, At: "2026-05-01T09:59:30.000Z", Seen: map[string]int64{"1002": 1777629600000}}, false},
		{"with deletes (read_deletes)", `{"ts":5,"deleted_at":4,"deleted_seen":{"1003":6}}`,
			position{TS: 5, DeletedAt: 4, DeletedSeen: map[string]int64{"1003": 6}}, false},
		{"deleted_at negative", `{"ts":1,"deleted_at":-4}`, position{}, true},
		{"deleted_seen id not a number", `{"ts":1,"deleted_at":1,"deleted_seen":{"x":2}}`, position{}, true},
		{"seen id not a number", `{"ts":1,"seen":{"x1":2}}`, position{}, true},
		{"seen date negative", `{"ts":1,"seen":{"1":-2}}`, position{}, true},
		{"id not a number", `{"ts":1,"id":"a"}`, position{}, true},
		{"not json", `{"ts":`, position{}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseState([]byte(tt.state))
			if (err != nil) != tt.bad {
				t.Fatalf("parseState(%s): error %v, want an error: %v", tt.state, err, tt.bad)
			}
			if !tt.bad && (!samePlace(got, tt.want) || got.At != tt.want.At || !maps.Equal(got.Seen, tt.want.Seen) ||
				got.DeletedAt != tt.want.DeletedAt || !maps.Equal(got.DeletedSeen, tt.want.DeletedSeen)) {
				t.Errorf("parseState(%s) = %+v, want %+v", tt.state, got, tt.want)
			}
			if !tt.bad && tt.state != "" {
				if back, _ := parseState(got.bytes()); !samePlace(back, got) || !maps.Equal(back.Seen, got.Seen) ||
					back.DeletedAt != got.DeletedAt || !maps.Equal(back.DeletedSeen, got.DeletedSeen) {
					t.Errorf("%s does not read back as %+v", got.bytes(), got)
				}
			}
		})
	}

	// A read from a checkpoint of the earlier version returns what changed after it.
	e := newEnv(t, sandbox.Options{Contacts: 30})
	objs := e.sb.Objects(streamContacts)
	slices.SortFunc(objs, func(a, b sandbox.Object) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	newest := objs[len(objs)-1]
	old := fmt.Sprintf(`{"ts":%d,"id":%q,"at":"x"}`, newest.UpdatedAt.UnixMilli(), newest.ID)
	if got := e.read(streamContacts, []byte(old), 100); len(got.Records) != 0 {
		t.Errorf("read from %s, the newest object: %v, want nothing", old, got.Keys(streamContacts))
	}
	if _, err := e.sb.Touch(streamContacts, objs[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := e.read(streamContacts, []byte(old), 100).Keys(streamContacts); !slices.Equal(got, []string{objs[0].ID}) {
		t.Errorf("read from %s after a change: %v, want %s", old, got, objs[0].ID)
	}
}

// samePlace reports whether p and q are the same place in the order of (date, id).
func samePlace(p, q position) bool { return p.TS == q.TS && p.ID == q.ID }

func TestSearchLagConfig(t *testing.T) {
	for _, tt := range []struct {
		value any // nil: unset
		want  time.Duration
		bad   bool
	}{
		{nil, DefaultSearchLag, false},
		{"0", 0, false},
		{"0s", 0, false},
		{"1m30s", 90 * time.Second, false},
		{"-1s", 0, true},
		{"soon", 0, true},
		{"30", 0, true}, // a number without a unit is not a Go duration
	} {
		extra := map[string]any{}
		if tt.value != nil {
			extra["search_lag"] = tt.value
		}
		e := &env{t: t, url: "http://127.0.0.1:1"}
		cfg, err := parseConfig(e.config(extra))
		switch {
		case tt.bad && (err == nil || sdk.KindOf(err) != sdk.KindConfig || !strings.Contains(err.Error(), "search_lag")):
			t.Errorf("search_lag %v: %v, want a config error naming search_lag", tt.value, err)
		case !tt.bad && (err != nil || cfg.lag != tt.want):
			t.Errorf("search_lag %v: lag %v, error %v; want %v", tt.value, cfg.lag, err, tt.want)
		}
	}
}
