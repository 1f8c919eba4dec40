package benchmark

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres"
	"github.com/cxhub/cxhub/core/state/postgres/pgtest"
)

// The scale-out scenario (issue 22): N `cxhub serve` workers share M
// pipelines on one PostgreSQL database (a throw-away server this process
// starts, as the tests do); how evenly the pipelines spread, and how long
// after a worker's SIGKILL its pipelines run again on the others.

// TargetFailoverSeconds is issue 22's bound: a dead worker's pipelines
// resume elsewhere within 30 s.
const TargetFailoverSeconds = 30.0

// WorkersOptions say what the scale-out scenario runs.
type WorkersOptions struct {
	Workers   int // cxhub serve processes (0: skip the scenario)
	Pipelines int // generator → null pipelines they share
	Kills     int // SIGKILLs, one worker each time, in turn
}

// Workers is the scale-out scenario's figures.
type Workers struct {
	Workers, Pipelines, Kills int
	LeaseTTL                  time.Duration
	// PerWorker is how many pipelines each live worker holds once they
	// have spread: one sample per worker at the start and after each
	// killed worker came back.
	PerWorker Figure
	// Takeover is the seconds from a SIGKILL until every pipeline of the
	// killed worker is leased by another; Failover until each has also
	// started a run there (resumed from its checkpoint).
	Takeover, Failover Figure
}

// workersYAML is the workers' shared config: each reads its port and id
// from its environment. %[1]s is the plugin dir, %[2]s the pipelines.
const workersYAML = `version: 1
state: {driver: postgres, dsn: "${CXHUB_BENCH_DSN}"}
plugins: {dir: %[1]q}
server: {listen: "127.0.0.1:${CXHUB_BENCH_PORT}"}
connections:
  gen:
    connector: generator
    config: {count: 200, record_size: 300, seed: 7}
  sink:
    connector: null
    config: {}
pipelines:
%[2]s`

// workersSchedule is each pipeline's interval. A pipeline taken over
// runs at once (its last run is older than the lease's ttl, longer than
// this), so failover does not wait for it.
const workersSchedule = 5 * time.Second

// RunWorkers runs the scale-out scenario in dir.
func RunWorkers(ctx context.Context, o Options, wo WorkersOptions) (*Workers, error) {
	if wo.Workers < 2 || wo.Pipelines < 1 || wo.Kills < 1 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "cxhub-bench-workers-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	srv, err := pgtest.Start()
	if err != nil {
		return nil, fmt.Errorf("start PostgreSQL: %w", err)
	}
	defer srv.Stop()
	if err := srv.Exec(ctx, "postgres", "CREATE DATABASE bench"); err != nil {
		return nil, fmt.Errorf("create the database: %w", err)
	}
	dsn := srv.DSN("bench")

	var pipes strings.Builder
	names := make([]string, wo.Pipelines)
	for i := range names {
		names[i] = fmt.Sprintf("p%03d", i+1)
		fmt.Fprintf(&pipes, "  - {name: %s, from: {connection: gen, stream: customers}, to: {connection: sink, stream: customers}, schedule: %s, jitter: 0s}\n",
			names[i], workersSchedule)
	}
	cfg := filepath.Join(dir, "cxhub.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, workersYAML, o.PluginDir, pipes.String()), 0o600); err != nil {
		return nil, err
	}

	c := &benchCluster{cxhub: o.Cxhub, cfg: cfg, dir: dir, dsn: dsn, procs: make([]*benchWorker, wo.Workers)}
	defer c.stopAll()
	for i := range wo.Workers {
		if err := c.start(ctx, i); err != nil {
			return nil, err
		}
	}
	st, err := postgres.OpenReadOnly(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	res := &Workers{Workers: wo.Workers, Pipelines: wo.Pipelines, Kills: wo.Kills, LeaseTTL: config.DefaultLeaseTTL}
	spread := func() error {
		held, err := waitSpread(ctx, st, c.ids(), names, res.LeaseTTL/3+time.Second, 2*time.Minute)
		if err != nil {
			return err
		}
		for _, id := range c.ids() {
			res.PerWorker.Add(float64(len(held[id])))
		}
		o.progress("workers: spread %v", counts(held))
		return nil
	}
	if err := spread(); err != nil {
		return nil, err
	}
	for k := range wo.Kills {
		victim := k % wo.Workers
		held, err := holders(ctx, st)
		if err != nil {
			return nil, err
		}
		theirs := held[c.id(victim)]
		if len(theirs) == 0 {
			return nil, fmt.Errorf("kill %d: worker %s holds no pipeline", k+1, c.id(victim))
		}
		killed := time.Now()
		if err := c.kill(victim); err != nil {
			return nil, err
		}
		takeover, failover, err := waitResumed(ctx, st, c.id(victim), theirs, killed, 2*time.Minute)
		if err != nil {
			return nil, fmt.Errorf("kill %d of %s: %w", k+1, c.id(victim), err)
		}
		res.Takeover.Add(takeover.Seconds())
		res.Failover.Add(failover.Seconds())
		o.progress("workers: kill %d of %s (%d pipelines): taken over in %v, resumed in %v", k+1, c.id(victim), len(theirs),
			takeover.Round(time.Millisecond), failover.Round(time.Millisecond))
		if err := c.start(ctx, victim); err != nil {
			return nil, err
		}
		if err := spread(); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// holders returns the pipelines of each unexpired lease's holder.
func holders(ctx context.Context, st state.Store) (map[string][]string, error) {
	leases, err := st.Leases(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	now := time.Now()
	for _, l := range leases {
		if l.Holder != "" && l.ExpiresAt.After(now) {
			out[l.HolderID()] = append(out[l.HolderID()], l.Pipeline)
		}
	}
	return out, nil
}

func counts(held map[string][]string) map[string]int {
	out := map[string]int{}
	for id, ps := range held {
		out[id] = len(ps)
	}
	return out
}

// waitSpread waits until every pipeline is held, every worker holds
// some, and who holds what has not changed for settle (the workers move
// pipelines at their renewals, every ttl/3), and returns who holds what.
func waitSpread(ctx context.Context, st state.Store, workers, pipelines []string, settle, d time.Duration) (map[string][]string, error) {
	end := time.Now().Add(d)
	var last map[string]int
	var since time.Time
	for {
		held, err := holders(ctx, st)
		if err != nil {
			return nil, err
		}
		total := 0
		for _, ps := range held {
			total += len(ps)
		}
		spread := total == len(pipelines) && !slices.ContainsFunc(workers, func(w string) bool { return len(held[w]) == 0 })
		now := counts(held)
		if !spread || !maps.Equal(now, last) {
			last, since = now, time.Now()
		} else if time.Since(since) >= settle {
			return held, nil
		}
		if time.Now().After(end) {
			return nil, fmt.Errorf("the pipelines did not settle over the %d workers in %v: %v", len(workers), d, now)
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// waitResumed waits until each of the killed worker's pipelines is leased
// by another worker (takeover) and has started a run after the kill
// (failover).
func waitResumed(ctx context.Context, st state.Store, victim string, pipelines []string, killed time.Time, d time.Duration) (takeover, failover time.Duration, err error) {
	end := killed.Add(d)
	for {
		held, err := holders(ctx, st)
		if err != nil {
			return 0, 0, err
		}
		taken := 0
		for id, ps := range held {
			if id == victim {
				continue
			}
			for _, p := range ps {
				if slices.Contains(pipelines, p) {
					taken++
				}
			}
		}
		if taken == len(pipelines) && takeover == 0 {
			takeover = time.Since(killed)
		}
		if takeover > 0 {
			resumed := 0
			for _, p := range pipelines {
				runs, err := st.Runs(ctx, state.RunFilter{Pipeline: p, Limit: 1})
				if err != nil {
					return 0, 0, err
				}
				if len(runs) > 0 && runs[0].StartedAt.After(killed) {
					resumed++
				}
			}
			if resumed == len(pipelines) {
				return takeover, time.Since(killed), nil
			}
		}
		if time.Now().After(end) {
			return 0, 0, fmt.Errorf("%d of %d pipelines taken over, not all resumed, after %v", taken, len(pipelines), d)
		}
		if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// PrintWorkers writes the scale-out row with its verdict.
func PrintWorkers(out io.Writer, w *Workers) {
	if w == nil {
		return
	}
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SCALE-OUT (PostgreSQL, lease ttl %v)\tpipelines per worker\ttakeover s\tfailover s (target ≤ %.0f)\t\n", w.LeaseTTL, TargetFailoverSeconds)
	ok := w.Failover.Runs() > 0 && w.Failover.Max() <= TargetFailoverSeconds // every kill, not only the median
	verdict := map[bool]string{true: "MET", false: "MISSED"}[ok]
	fmt.Fprintf(tw, "%d workers, %d pipelines, %d SIGKILLs\t%s\t%s\t%s\t%s\n", w.Workers, w.Pipelines, w.Kills,
		w.PerWorker.Format("%.0f"), w.Takeover.Format("%.1f"), w.Failover.Format("%.1f"), verdict)
	tw.Flush()
}
