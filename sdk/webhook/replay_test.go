package webhook

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func TestReplayGuardSeen(t *testing.T) {
	const ttl = 10 * time.Minute
	type step struct {
		id    string
		after time.Duration // since t0
		want  bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first time is new", []step{{"a", 0, false}}},
		{"repeat within ttl is a replay", []step{{"a", 0, false}, {"a", time.Minute, true}, {"a", 9 * time.Minute, true}}},
		{"repeat at exactly ttl is a replay", []step{{"a", 0, false}, {"a", ttl, true}}},
		{"repeat after ttl is new", []step{{"a", 0, false}, {"a", ttl + time.Nanosecond, false}}},
		{"a new record starts a new ttl", []step{{"a", 0, false}, {"a", ttl + 1, false}, {"a", 2*ttl + 1, true}, {"a", 2*ttl + 2, false}}},
		{"a replay does not extend the ttl", []step{{"a", 0, false}, {"a", ttl, true}, {"a", ttl + 1, false}}},
		{"ids are independent", []step{{"a", 0, false}, {"b", 0, false}, {"b", 1, true}, {"c", 2, false}, {"a", 3, true}}},
		{"ids are case-sensitive", []step{{"a", 0, false}, {"A", 0, false}}},
		{"empty id is never a replay", []step{{"", 0, false}, {"", 0, false}, {"", 1, false}}},
		{"times out of order", []step{{"late", time.Minute, false}, {"early", 0, false}, {"early", ttl + 1, false}, {"late", ttl + 1, true}}},
		{"a time before the record", []step{{"a", time.Minute, false}, {"a", 0, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewReplayGuard(ttl, 100)
			for i, s := range tt.steps {
				if got := g.Seen(s.id, t0.Add(s.after)); got != s.want {
					t.Fatalf("step %d: Seen(%q, t0+%v) = %v, want %v", i, s.id, s.after, got, s.want)
				}
			}
		})
	}
}

func TestReplayGuardEvictsOldest(t *testing.T) {
	g := NewReplayGuard(time.Hour, 3)
	for i, id := range []string{"a", "b", "c", "d"} {
		g.Seen(id, t0.Add(time.Duration(i)*time.Second))
	}
	if n := g.Len(); n != 3 {
		t.Fatalf("Len = %d after 4 ids with max 3, want 3", n)
	}
	now := t0.Add(time.Minute)
	// "a" was evicted: it is new again, and recording it evicts "b".
	if g.Seen("a", now) {
		t.Error(`Seen("a") = true, want false: it was the oldest and evicted`)
	}
	for _, id := range []string{"c", "d", "a"} {
		if !g.Seen(id, now) {
			t.Errorf("Seen(%q) = false, want true: it is among the 3 newest", id)
		}
	}
	if g.Seen("b", now) {
		t.Error(`Seen("b") = true, want false: recording "a" again evicted it`)
	}
}

func TestReplayGuardRerecordedIDIsNewest(t *testing.T) {
	const ttl = 10 * time.Minute
	g := NewReplayGuard(ttl, 3)
	// Out of order: "y" is recorded after "x" with an earlier time.
	g.Seen("x", t0.Add(time.Minute))
	g.Seen("y", t0)
	g.Seen("z", t0.Add(2*time.Minute))
	now := t0.Add(ttl + 30*time.Second) // "y" has expired, "x" and "z" have not
	if g.Seen("y", now) {
		t.Fatal(`Seen("y") after its ttl = true, want false`)
	}
	// Two new ids evict the two oldest records: "x", then "z", not the
	// fresh "y".
	g.Seen("w", now)
	g.Seen("v", now)
	if !g.Seen("y", now) {
		t.Error(`Seen("y") = false, want true: it was recorded afresh, so evicted last`)
	}
	if g.Seen("z", now) {
		t.Error(`Seen("z") = true, want false: it was older than the fresh "y"`)
	}
}

func TestReplayGuardMemoryBounded(t *testing.T) {
	tests := []struct {
		name   string
		maxIDs int
		want   int
	}{
		{"small", 5, 5},
		{"one", 1, 1},
		{"default when zero", 0, DefaultReplayMax},
		{"default when negative", -3, DefaultReplayMax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewReplayGuard(time.Hour, tt.maxIDs)
			for i := range 2*tt.want + 10 {
				g.Seen(fmt.Sprint("id-", i), t0)
				if n := g.Len(); n > tt.want {
					t.Fatalf("Len = %d after %d ids, want at most %d", n, i+1, tt.want)
				}
			}
			if n := g.Len(); n != tt.want {
				t.Errorf("Len = %d at the end, want %d", n, tt.want)
			}
			if n := len(g.byID); n != tt.want {
				t.Errorf("index holds %d ids, want %d", n, tt.want)
			}
		})
	}
}

func TestReplayGuardForgetsExpired(t *testing.T) {
	g := NewReplayGuard(time.Minute, 100)
	for i := range 10 {
		g.Seen(fmt.Sprint("id-", i), t0)
	}
	g.Seen("later", t0.Add(time.Minute+1))
	if n := g.Len(); n != 1 {
		t.Errorf("Len = %d after the ttl passed, want 1 (only the newest id)", n)
	}
	if n := len(g.byID); n != 1 {
		t.Errorf("index holds %d ids after the ttl passed, want 1", n)
	}
}

func TestReplayGuardDefaults(t *testing.T) {
	tests := []struct {
		name string
		g    *ReplayGuard
	}{
		{"zero value", &ReplayGuard{}},
		{"zero arguments", NewReplayGuard(0, 0)},
		{"negative ttl", NewReplayGuard(-time.Second, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.g.Seen("a", t0)
			if !tt.g.Seen("a", t0.Add(DefaultReplayTTL)) {
				t.Error("Seen at t0+DefaultReplayTTL = false, want true")
			}
			if tt.g.Seen("a", t0.Add(DefaultReplayTTL+1)) {
				t.Error("Seen after DefaultReplayTTL = true, want false")
			}
		})
	}
}

func TestReplayGuardConcurrent(t *testing.T) {
	const (
		workers = 8
		ids     = 200
	)
	g := NewReplayGuard(time.Hour, ids)
	var (
		mu    sync.Mutex
		fresh = make(map[string]int) // how many callers were told an id was new
		wg    sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := range ids {
				// Each worker walks the ids from a different start.
				id := fmt.Sprint("delivery-", (i+w*ids/workers)%ids)
				if !g.Seen(id, t0.Add(time.Duration(i)*time.Millisecond)) {
					mu.Lock()
					fresh[id]++
					mu.Unlock()
				}
				_ = g.Len()
			}
		})
	}
	wg.Wait()
	if len(fresh) != ids {
		t.Errorf("%d distinct ids were new, want %d", len(fresh), ids)
	}
	for id, n := range fresh {
		if n != 1 {
			t.Errorf("%s was new for %d callers, want exactly 1", id, n)
		}
	}
}
