package server

import (
	"context"
	"github.com/cxhub/cxhub/core/internal/testfiles"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/state"
)

// newTestHub writes configYAML to a temporary directory and returns a hub
// over it (its state a real SQLite file there), closed when the test ends,
// and what it logs.
func newTestHub(t *testing.T, configYAML string) (*hub.Hub, *testfiles.SyncBuffer) {
	t.Helper()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfgPath, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &testfiles.SyncBuffer{}
	h := hub.New(hub.Options{ConfigPath: cfgPath, PluginsDir: filepath.Join(dir, "plugins"), LogOutput: logs, LogLevel: "info"})
	t.Cleanup(func() { h.Close() })
	return h, logs
}

// neverFiresConfig has a pipeline with a cron schedule, which the test
// replaces with one naming a day that does not exist (31 February):
// validation refuses that one in a config file, and the worker must not
// spin on any schedule that never fires all the same.
const neverFiresConfig = `version: 1
state: {path: state.db}
connections:
  in:  {connector: file, config: {dir: ./in}}
  out: {connector: file, config: {dir: ./out}}
pipelines:
  - name: never
    schedule: "0 0 1 1 *"
    from: {connection: in, stream: contacts}
    to:   {connection: out, stream: contacts}
`

// TestCronThatNeverFiresNeitherRunsNorSpins: a cron schedule that never
// fires asks for no sync (it used to ask back to back: robfig/cron gives
// the zero time for "never", and waiting until then returns at once), and
// after a restart — a last run on record — the schedule does not spin in
// prevTick but ends, and quickly.
func TestCronThatNeverFiresNeitherRunsNorSpins(t *testing.T) {
	for _, restarted := range []bool{false, true} {
		name := "first start"
		if restarted {
			name = "restart"
		}
		t.Run(name, func(t *testing.T) {
			h, logs := newTestHub(t, neverFiresConfig)
			cfg, err := h.Config()
			if err != nil {
				t.Fatal(err)
			}
			loaded, _ := cfg.Pipeline("never")
			never := *loaded
			never.Cron = "0 0 31 2 *"
			p := &never
			if restarted {
				st, err := h.Store()
				if err != nil {
					t.Fatal(err)
				}
				run, err := st.StartRun(context.Background(), "never")
				if err != nil {
					t.Fatal(err)
				}
				if err := st.FinishRun(context.Background(), run, state.RunSucceeded, ""); err != nil {
					t.Fatal(err)
				}
			}
			s := New(h, Options{NoListen: true})
			w := &worker{s: s, p: p, wake: make(chan struct{}, 1), done: make(chan struct{})}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ended := make(chan struct{})
			go func() { defer close(ended); w.schedule(ctx) }()
			select {
			case <-ended:
			case <-time.After(3 * time.Second):
				cancel()
				select {
				case <-ended:
					t.Error("the schedule of a cron that never fires ran until cancelled")
				case <-time.After(3 * time.Second):
					t.Fatal("the schedule of a cron that never fires did not end even when cancelled (spinning)")
				}
			}
			w.mu.Lock()
			asked, next := w.wantSync, w.nextRun
			w.mu.Unlock()
			if asked {
				t.Error("a cron schedule that never fires asked for a sync")
			}
			if !next.IsZero() {
				t.Errorf("next run = %v, want none", next)
			}
			if got := strings.Count(logs.String(), "never fires"); got != 1 {
				t.Errorf("logged %d warnings that the schedule never fires, want 1:\n%s", got, logs)
			}
		})
	}
}

// TestPrevTickIsBoundedAndCancellable: prevTick finds the last tick of a
// schedule that fires, gives the zero time for one that never fires, and
// ends when its context does.
func TestPrevTickIsBoundedAndCancellable(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 30, 0, 0, time.Local)
	hourly, err := config.ParseCron("0 * * * *")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := prevTick(context.Background(), hourly, now), time.Date(2026, 3, 10, 12, 0, 0, 0, time.Local); !got.Equal(want) {
		t.Errorf("prevTick(hourly, %v) = %v, want %v", now, got, want)
	}
	never, err := config.ParseCron("0 0 31 2 *")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan time.Time, 1)
	go func() { done <- prevTick(context.Background(), never, now) }()
	select {
	case got := <-done:
		if !got.IsZero() {
			t.Errorf("prevTick(never) = %v, want the zero time", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("prevTick of a schedule that never fires did not return")
	}
	// A schedule whose Next does not move forward (broken) does not loop;
	// one ticking every nanosecond (60e9 ticks from a minute back) is
	// bounded, and ends at once when its context has.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, sched := range map[string]interface{ Next(time.Time) time.Time }{
		"stuck":          fixedSchedule(now.Add(-time.Hour)),
		"nanosecond":     nanoSchedule{},
		"nanosecond/ctx": nanoSchedule{},
	} {
		c := context.Background()
		if name == "nanosecond/ctx" {
			c = ctx
		}
		go func() { done <- prevTick(c, sched, now) }()
		select {
		case got := <-done:
			if got.IsZero() || got.After(now) {
				t.Errorf("%s: prevTick = %v, want a tick at or before %v", name, got, now)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: prevTick did not return", name)
		}
	}
}

// nanoSchedule ticks every nanosecond.
type nanoSchedule struct{}

func (nanoSchedule) Next(t time.Time) time.Time { return t.Add(time.Nanosecond) }

// fixedSchedule's Next is always the same time.
type fixedSchedule time.Time

func (f fixedSchedule) Next(time.Time) time.Time { return time.Time(f) }
