package statetest

import (
	"context"
	"errors"
	"fmt"
	"github.com/cxhub/cxhub/core/state"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// snapshot is everything a state.Commit can change, to compare before and after.
type snapshot struct {
	links       int64
	checkpoints []state.Checkpoint
	deadLetters []state.DeadLetter
	runs        []state.Run
}

func takeSnapshot(t *testing.T, s state.Store) snapshot {
	t.Helper()
	ctx := context.Background()
	var sn snapshot
	var err error
	if sn.links, err = s.CountLinks(ctx); err != nil {
		t.Fatal(err)
	}
	if sn.checkpoints, err = s.ListCheckpoints(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if sn.deadLetters, err = s.DeadLetters(ctx, state.DeadLetterFilter{}); err != nil {
		t.Fatal(err)
	}
	if sn.runs, err = s.Runs(ctx, state.RunFilter{}); err != nil {
		t.Fatal(err)
	}
	return sn
}

func (a snapshot) equal(b snapshot) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func manyLinks(n int, prefix string) []state.Link {
	links := make([]state.Link, n)
	for i := range links {
		links[i] = lk("crm", "contacts", fmt.Sprintf("%s-%d", prefix, i), "desk", "users", fmt.Sprintf("u-%s-%d", prefix, i))
	}
	return links
}

// TestCommitIsAtomic makes Commits that fail part-way, after their links,
// dead letters and checkpoints have been written inside the transaction,
// and checks that nothing of them remains.
func testCommitIsAtomic(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "p")
	// Some state from before: a committed batch and a pending dead letter.
	mustCommit(t, s, state.Commit{RunID: run, Pipeline: "p",
		Links:       manyLinks(3, "old"),
		Checkpoints: []state.Checkpoint{{Stream: "contacts", State: []byte("old")}},
		DeadLetters: []state.DeadLetter{{Stream: "contacts", Key: "bad", Op: "upsert", ErrorKind: "bad_record", Error: "e"}},
		Counts:      state.Counts{Read: 4, Written: 3, DeadLettered: 1},
	})
	old := takeSnapshot(t, s)
	oldDL := old.deadLetters[0].ID

	// batch is a full, valid batch; each case breaks it at the end.
	batch := func() state.Commit {
		return state.Commit{RunID: run, Pipeline: "p",
			Links: append(manyLinks(300, "new"), lk("crm", "contacts", "old-0", "desk", "users", "replaced")),
			DeadLetters: []state.DeadLetter{
				{Stream: "contacts", Key: "k", Op: "delete", ErrorKind: "bad_record", Error: "e2"},
				{ID: oldDL, ErrorKind: "bad_record", Error: "again"},
			},
			Checkpoints: []state.Checkpoint{{Stream: "contacts", State: []byte("new")}, {Stream: "other", State: []byte("x")}},
			Counts:      state.Counts{Read: 500, Written: 300},
		}
	}
	// The control: unbroken, the batch would change everything checked.
	t.Run("control", func(t *testing.T) {
		c := open(t)
		r := startRun(t, c, "p")
		b := batch()
		b.RunID = r
		b.DeadLetters = b.DeadLetters[:1]
		before := takeSnapshot(t, c)
		mustCommit(t, c, b)
		after := takeSnapshot(t, c)
		if after.links != 301 || len(after.checkpoints) != 2 || len(after.deadLetters) != 1 || after.runs[0].Counts.Read != 500 {
			t.Fatalf("control commit wrote %+v (before %+v)", after, before)
		}
	})

	cases := map[string]struct {
		commit func() (context.Context, state.Commit)
		want   error
	}{
		"run of another pipeline (the last statement fails)": {
			commit: func() (context.Context, state.Commit) {
				b := batch()
				b.Pipeline = "not-p"
				return ctx, b
			},
			want: state.ErrNotFound,
		},
		"unknown run (foreign key)": {
			commit: func() (context.Context, state.Commit) {
				b := batch()
				b.RunID = run + 1000
				return ctx, b
			},
		},
		"unknown replayed dead letter": {
			commit: func() (context.Context, state.Commit) {
				b := batch()
				b.Replayed = []int64{oldDL, oldDL + 1000}
				return ctx, b
			},
			want: state.ErrNotFound,
		},
		"unknown retried dead letter": {
			commit: func() (context.Context, state.Commit) {
				b := batch()
				b.DeadLetters = append(b.DeadLetters, state.DeadLetter{ID: oldDL + 1000, Op: "upsert", ErrorKind: "x", Error: "y"})
				return ctx, b
			},
			want: state.ErrNotFound,
		},
		"context cancelled mid-batch": {
			commit: func() (context.Context, state.Commit) {
				// Err reports cancellation from its 3rd call on: state.Commit
				// looks at its context every cancelCheckEvery rows, so
				// rows have been written when it notices.
				return &cancelAfter{Context: ctx, n: 2}, batch()
			},
			want: context.Canceled,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cctx, c := tc.commit()
			err := s.Commit(cctx, c)
			if err == nil {
				t.Fatal("state.Commit succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("state.Commit = %v, want %v", err, tc.want)
			}
			if got := takeSnapshot(t, s); !got.equal(old) {
				t.Errorf("a failed commit left changes:\n got %+v\nwant %+v", got, old)
			}
		})
	}
	// The cancellation case must be noticed mid-batch, after statements ran:
	// state.Commit looks at its context between statements (a batch of 301 links
	// is 5 chunks and 45 single links), so more than 3 times in all.
	ca := &cancelAfter{Context: ctx, n: 1 << 30} // never cancels
	if err := s.Commit(ca, batch()); err != nil {
		t.Fatal(err)
	}
	if ca.calls.Load() < 3 {
		t.Errorf("state.Commit looked at its context %d times: a cancellation after 2 looks is not mid-batch", ca.calls.Load())
	}
}

// cancelAfter is a context that reports cancellation once Err has been
// called more than n times.
type cancelAfter struct {
	context.Context
	n     int32
	calls atomic.Int32
}

func (c *cancelAfter) Err() error {
	if c.calls.Add(1) > c.n {
		return context.Canceled
	}
	return nil
}

// TestCommitCancelledForReal cancels a large state.Commit at a random moment: it
// either commits entirely or leaves nothing.
func testCommitCancelledForReal(t *testing.T, open Opener) {
	s := open(t)
	run := startRun(t, s, "p")
	for i, delay := range []time.Duration{0, 100 * time.Microsecond, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		prefix := fmt.Sprint("try", i)
		before, _ := s.CountLinks(context.Background())
		go func() { time.Sleep(delay); cancel() }()
		err := s.Commit(ctx, state.Commit{RunID: run, Pipeline: "p", Links: manyLinks(5000, prefix),
			Checkpoints: []state.Checkpoint{{Stream: "c", State: []byte(prefix)}}, Counts: state.Counts{Read: 1}})
		cancel()
		after, _ := s.CountLinks(context.Background())
		cps, _ := s.Checkpoints(context.Background(), "p")
		committed := after-before == 5000 && string(cps["c"]) == prefix
		t.Logf("delay %v: err=%v committed=%v", delay, err, committed)
		switch {
		case err == nil && !committed:
			t.Errorf("delay %v: state.Commit returned nil but the batch is not all there (%d links)", delay, after-before)
		case err != nil && (after != before || string(cps["c"]) == prefix):
			t.Errorf("delay %v: state.Commit failed (%v) but left %d links, checkpoint %q", delay, err, after-before, cps["c"])
		}
	}
}

func testCommitCountsAccumulate(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	run := startRun(t, s, "p")
	other := startRun(t, s, "q")
	var want state.Counts
	for i := int64(1); i <= 5; i++ {
		d := state.Counts{Read: i, Filtered: 2 * i, Written: 3 * i, Created: i, Updated: 2 * i, DeadLettered: 4 * i, Retries: 5 * i, Restarts: 6 * i}
		want.Add(d)
		mustCommit(t, s, state.Commit{RunID: run, Pipeline: "p", Counts: d})
	}
	if want.Read != 15 || want.Restarts != 90 {
		t.Fatalf("state.Counts.Add: %+v", want)
	}
	r, err := s.Run(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts != want {
		t.Errorf("counts = %+v, want %+v", r.Counts, want)
	}
	if r, _ := s.Run(ctx, other); !r.Counts.IsZero() {
		t.Errorf("another run's counts changed: %+v", r.Counts)
	}
}

func testCommitValidates(t *testing.T, open Opener) {
	s := open(t)
	run := startRun(t, s, "p")
	for name, c := range map[string]state.Commit{
		"counts without run":        {Pipeline: "p", Counts: state.Counts{Read: 1}},
		"link without dst id":       {RunID: run, Links: []state.Link{lk("a", "s", "k", "b", "s", "")}},
		"dead letter bad op":        {RunID: run, Pipeline: "p", DeadLetters: []state.DeadLetter{{Stream: "s", Key: "k", Op: "merge"}}},
		"dead letter no key":        {RunID: run, Pipeline: "p", DeadLetters: []state.DeadLetter{{Stream: "s", Op: "upsert"}}},
		"checkpoint no stream":      {RunID: run, Pipeline: "p", Checkpoints: []state.Checkpoint{{State: []byte("x")}}},
		"nothing says the pipeline": {RunID: run, Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("x")}}},
	} {
		if err := s.Commit(context.Background(), c); err == nil {
			t.Errorf("%s: state.Commit succeeded", name)
		}
	}
	// A state.Commit without a run is allowed (e.g. a replay outside a run).
	if err := s.Commit(context.Background(), state.Commit{Pipeline: "p", Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte("x")}}}); err != nil {
		t.Errorf("state.Commit without a run: %v", err)
	}
}

// TestConcurrentCommits commits to two runs from two goroutines while a
// third reads; run it with -race.
func testConcurrentCommits(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	const batches, perBatch = 40, 50
	var wg sync.WaitGroup
	runs := map[string]int64{"p1": startRun(t, s, "p1"), "p2": startRun(t, s, "p2")}
	errs := make(chan error, 8)
	for pipeline, run := range runs {
		wg.Go(func() {
			for b := 0; b < batches; b++ {
				links := make([]state.Link, perBatch)
				for i := range links {
					links[i] = lk(pipeline, "s", fmt.Sprintf("%d-%d", b, i), "dst", "s", fmt.Sprint(i))
				}
				err := s.Commit(ctx, state.Commit{RunID: run, Pipeline: pipeline, Links: links,
					Checkpoints: []state.Checkpoint{{Stream: "s", State: []byte(fmt.Sprint(b))}},
					Counts:      state.Counts{Read: perBatch, Written: perBatch}})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := s.LookupLinks(ctx, "p1", "s", "dst", "s", []string{"0-1", "3-4"}); err != nil {
				errs <- err
				return
			}
			if _, err := s.Runs(ctx, state.RunFilter{}); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n, _ := s.CountLinks(ctx); n != 2*batches*perBatch {
		t.Errorf("links = %d, want %d", n, 2*batches*perBatch)
	}
	for pipeline, run := range runs {
		r, err := s.Run(ctx, run)
		if err != nil || r.Counts.Read != batches*perBatch {
			t.Errorf("%s: run = %+v, %v", pipeline, r, err)
		}
		cps, _ := s.Checkpoints(ctx, pipeline)
		if string(cps["s"]) != fmt.Sprint(batches-1) {
			t.Errorf("%s: checkpoint = %q", pipeline, cps["s"])
		}
	}
}
