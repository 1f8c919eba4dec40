package server

import "testing"

// TestOneLiveWorkerSendsTheNotifications: of the live workers, exactly
// one is the notifier, every worker agrees which, and when it is gone
// another is; a worker that has not listed the live ones yet (or is
// alone) sends them.
func TestOneLiveWorkerSendsTheNotifications(t *testing.T) {
	live := []string{"w1", "w2", "w3"}
	chosen := func(live []string) []string {
		var out []string
		for _, id := range live {
			k := &keeper{id: id, live: live}
			if k.notifier() {
				out = append(out, id)
			}
		}
		return out
	}
	got := chosen(live)
	if len(got) != 1 {
		t.Fatalf("notifiers among %v: %v, want exactly one", live, got)
	}
	var rest []string
	for _, id := range live {
		if id != got[0] {
			rest = append(rest, id)
		}
	}
	if after := chosen(rest); len(after) != 1 {
		t.Fatalf("after %s left, notifiers among %v: %v, want exactly one", got[0], rest, after)
	}
	if !(&keeper{id: "w1"}).notifier() {
		t.Error("a worker that has not listed the live workers does not notify")
	}
	if !(&keeper{id: "w1", live: []string{"w1"}}).notifier() {
		t.Error("a worker alone does not notify")
	}
}
