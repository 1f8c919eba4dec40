package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// Launcher starts the connector of a connection and stops it again.
type Launcher interface {
	Start(ctx context.Context, connection string) (sdk.Connector, error)
	Stop(sdk.Connector)
}

// Runner runs pipelines of one config against one state store.
type Runner struct {
	Config   *config.Config
	Store    state.Store
	Launcher Launcher
	Logger   *slog.Logger
	// Events, if set, is told everything that happens in a run (see
	// Event): progress displays, metrics and alerts feed on it. It is
	// called synchronously from a run's goroutines, so it must be quick and
	// safe for concurrent use.
	Events func(Event)
	// Stages run on every batch between map/filter and write, in order.
	Stages []Stage
	// MaxRestarts bounds how often one run restarts its connectors after a
	// retryable failure; zero means DefaultMaxRestarts.
	MaxRestarts int
	// Redact, if set, removes secret values from text the engine stores:
	// dead letters' errors and runs' errors.
	Redact func(string) string
	// RestartBackoff is the first wait before a restart; later waits grow
	// exponentially (about 1.5×, with jitter) up to 30s, and are never
	// shorter than a rate limit's retry-after. Zero means 1s.
	RestartBackoff time.Duration

	// Hold, if set, is asked before a run of a pipeline starts, for the
	// right to run it (the pipeline's lease, when processes share the
	// state): it returns the context the run goes on in and a release to
	// call once the run ended, or an error refusing the run, which then
	// records nothing.
	Hold func(ctx context.Context, pipeline string) (context.Context, func(), error)

	// HangTimeout is how long a run's connectors may make no progress
	// before they are taken for hung, stopped and restarted; zero means
	// DefaultHangTimeout.
	HangTimeout time.Duration
	// MaxWaiting bounds how long a run's connectors may make no progress
	// while they say they wait on purpose (sdk.Waiting): past it they are
	// taken for hung however long the waits they announce. Zero means
	// DefaultMaxWaiting; it is never below HangTimeout.
	MaxWaiting time.Duration

	// onBatchWriter, in tests, is shown each sync's batch writer.
	onBatchWriter func(*batchWriter)
}

// DefaultMaxRestarts is how often a run restarts its connectors before it fails.
const DefaultMaxRestarts = 5

// Result is how a run ended.
type Result struct {
	Pipeline string
	RunID    int64
	Status   state.RunStatus
	Counts   state.Counts
	Duration time.Duration
	Err      error
}

// pipeline is a configured pipeline with its expressions compiled.
type pipeline struct {
	cfg      *config.Pipeline
	from, to *config.Connection
	mapper   *mapping.Mapper
	filter   *mapping.Filter
}

func (r *Runner) redact(s string) string {
	if r.Redact == nil {
		return s
	}
	return r.Redact(s)
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.Default()
	}
	return r.Logger
}

func (r *Runner) prepare(name string) (*pipeline, error) {
	pc, ok := r.Config.Pipeline(name)
	if !ok {
		return nil, sdk.ConfigError(fmt.Errorf("no pipeline named %q in %s", name, r.Config.File))
	}
	p := &pipeline{cfg: pc, from: r.Config.Connections[pc.From.Connection], to: r.Config.Connections[pc.To.Connection]}
	if p.from == nil || p.to == nil {
		return nil, sdk.ConfigError(fmt.Errorf("pipeline %q: unknown connection", name))
	}
	var err error
	if len(pc.Map) > 0 {
		if p.mapper, err = mapping.Compile(pc.Map); err != nil {
			return nil, sdk.ConfigError(fmt.Errorf("pipeline %q: map: %w", name, err))
		}
	}
	if pc.Where != "" {
		if p.filter, err = mapping.CompileFilter(pc.Where); err != nil {
			return nil, sdk.ConfigError(fmt.Errorf("pipeline %q: where: %w", name, err))
		}
	}
	return p, nil
}

// tally keeps a run's totals and reports its events.
type tally struct {
	runner   *Runner
	pipeline string
	runID    int64
	source   Source
	total    state.Counts
	started  time.Time
}

// emit reports e, filled in with the run's identity and time.
func (t *tally) emit(e Event) {
	if t.runner.Events == nil {
		return
	}
	e.Time = time.Now()
	e.Pipeline, e.RunID, e.Source = t.pipeline, t.runID, t.source
	e.Elapsed = e.Time.Sub(t.started)
	if e.Total.IsZero() {
		e.Total = t.total
	}
	t.runner.Events(e)
}

func (t *tally) add(c state.Counts) {
	t.total.Add(c)
	t.emit(Event{Kind: EventBatchCommitted, Counts: c})
}

// commit persists a batch's outcome and counts it.
func (r *Runner) commit(ctx context.Context, t *tally, c state.Commit) error {
	if err := r.Store.Commit(ctx, c); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return final(fmt.Errorf("persist batch outcome: %w", err))
	}
	for _, dl := range c.DeadLetters {
		t.emit(Event{Kind: EventDeadLettered, Stream: dl.Stream, Key: dl.Key, ErrorKind: dl.ErrorKind, Error: dl.Error})
	}
	t.add(c.Counts)
	return nil
}

// Sync runs the named pipeline once: everything the source has changed
// since the pipeline's last checkpoint.
func (r *Runner) Sync(ctx context.Context, name string) Result {
	return r.run(ctx, name, SourceRead, func(ctx context.Context, p *pipeline, t *tally) error {
		return r.syncOnce(ctx, p, t)
	})
}

// run opens a run record, runs body with restarts on retryable failures,
// and closes the record with the outcome.
func (r *Runner) run(ctx context.Context, name string, source Source, body func(context.Context, *pipeline, *tally) error) Result {
	started := time.Now()
	res := Result{Pipeline: name, Status: state.RunFailed}
	p, err := r.prepare(name)
	if err != nil {
		res.Err = err
		return res
	}
	ctx, release, err := r.hold(ctx, name)
	if err != nil {
		res.Err = err
		return res
	}
	defer release()
	runID, err := r.Store.StartRun(ctx, name)
	if err != nil {
		res.Err = fmt.Errorf("start run of %q: %w", name, err)
		return res
	}
	res.RunID = runID
	t := &tally{runner: r, pipeline: name, runID: runID, source: source, started: started}
	log := r.logger().With("pipeline", name, "run", runID)
	log.Info("run started", "source", source)
	t.emit(Event{Kind: EventRunStarted})

	maxRestarts := r.MaxRestarts
	if maxRestarts == 0 {
		maxRestarts = DefaultMaxRestarts
	}
	first := r.RestartBackoff
	if first == 0 {
		first = time.Second
	}
	bo := backoff.NewExponentialBackOff(backoff.WithInitialInterval(first),
		backoff.WithMaxInterval(30*time.Second), backoff.WithMaxElapsedTime(0))
	for restarts := 0; ; restarts++ {
		err = body(ctx, p, t)
		if err == nil || ctx.Err() != nil || !restartable(err) || restarts >= maxRestarts {
			break
		}
		wait := max(bo.NextBackOff(), sdk.RetryAfterOf(err))
		log.Warn("run failed, restarting connectors from the last checkpoint",
			"error", err, "restart", restarts+1, "of", maxRestarts, "wait", wait)
		t.emit(Event{Kind: EventPluginRestart, Err: err, Wait: wait})
		if cerr := r.commit(ctx, t, state.Commit{RunID: runID, Pipeline: name, Counts: state.Counts{Restarts: 1}}); cerr != nil {
			err = cerr
			break
		}
		if serr := sleep(ctx, wait); serr != nil {
			break
		}
	}

	switch {
	case err == nil:
		res.Status = state.RunSucceeded
	case ctx.Err() != nil:
		res.Status = state.RunInterrupted
		err = fmt.Errorf("interrupted: %w", context.Cause(ctx))
	}
	res.Err = err
	msg := ""
	if err != nil {
		msg = r.redact(err.Error())
	}
	if ferr := r.Store.FinishRun(context.WithoutCancel(ctx), runID, res.Status, msg); ferr != nil {
		if res.Err == nil {
			res.Err = fmt.Errorf("finish run: %w", ferr)
			res.Status = state.RunFailed
		} else {
			// The run stays recorded as running until the pipeline's next
			// run closes it (as abandoned): say so.
			log.Warn("could not record the run's end", "status", res.Status, "error", ferr)
		}
	}
	res.Counts = t.total
	res.Duration = time.Since(started)
	t.emit(Event{Kind: EventRunFinished, Status: res.Status, Err: res.Err, Total: res.Counts})
	log.Info("run finished", "status", res.Status, "read", res.Counts.Read, "written", res.Counts.Written,
		"dead_lettered", res.Counts.DeadLettered, "filtered", res.Counts.Filtered,
		"unchanged", res.Counts.Unchanged, "echo", res.Counts.Echo, "duration", res.Duration.Round(time.Millisecond))
	return res
}

// hold asks r.Hold, if set, for the right to run pipeline.
func (r *Runner) hold(ctx context.Context, pipeline string) (context.Context, func(), error) {
	if r.Hold == nil {
		return ctx, func() {}, nil
	}
	return r.Hold(ctx, pipeline)
}

// open starts the connectors of a pipeline; stop stops them.
func (r *Runner) open(ctx context.Context, p *pipeline, needSource bool) (src sdk.Source, dst sdk.Destination, stop func(), err error) {
	var started []sdk.Connector
	stop = func() {
		for _, c := range started {
			r.Launcher.Stop(c)
		}
	}
	if needSource {
		c, err := r.Launcher.Start(ctx, p.from.Name)
		if err != nil {
			return nil, nil, stop, fmt.Errorf("start source connection %q: %w", p.from.Name, err)
		}
		started = append(started, c)
		var ok bool
		if src, ok = c.(sdk.Source); !ok {
			return nil, nil, stop, sdk.ConfigError(fmt.Errorf("connection %q (connector %s) cannot be read from", p.from.Name, p.from.Connector))
		}
	}
	c, err := r.Launcher.Start(ctx, p.to.Name)
	if err != nil {
		return nil, nil, stop, fmt.Errorf("start destination connection %q: %w", p.to.Name, err)
	}
	started = append(started, c)
	var ok bool
	if dst, ok = c.(sdk.Destination); !ok {
		return nil, nil, stop, sdk.ConfigError(fmt.Errorf("connection %q (connector %s) cannot be written to", p.to.Name, p.to.Connector))
	}
	return src, dst, stop, nil
}

// syncOnce is one attempt of a sync: from the last persisted checkpoint
// to the end of what the source has now.
func (r *Runner) syncOnce(ctx context.Context, p *pipeline, t *tally) (err error) {
	ctx, cancel, wd := r.startWatchdog(ctx, t)
	defer cancel()
	defer func() {
		if hung := hungCause(ctx); hung != nil {
			err = hung
		}
	}()
	src, dst, stop, err := r.open(ctx, p, true)
	defer stop()
	if err != nil {
		return err
	}
	states, err := r.Store.Checkpoints(ctx, p.cfg.Name)
	if err != nil {
		return final(fmt.Errorf("load checkpoints: %w", err))
	}
	// Between the destination's answers, the run waits for the source.
	wd.await(connectionName(p.from) + " to send the next batch or checkpoint")
	opened := wd.await(connectionName(p.to) + " to open its writer")
	w, err := dst.OpenWriter(ctx, sdk.OpenWriterRequest{Config: sdk.Config(p.to.Config), Stream: p.cfg.To.Stream})
	opened()
	if err != nil {
		return fmt.Errorf("open writer for %s.%s: %w", p.to.Name, p.cfg.To.Stream, err)
	}
	closed := false
	defer func() {
		if !closed {
			_ = closeWriter(ctx, w)
		}
	}()

	items := make(chan readItem, 4)
	readErr := make(chan error, 1)
	rctx, rcancel := context.WithCancel(r.listenWaits(ctx, t, wd, "source"))
	go func() {
		defer close(items)
		out := &chanEmitter{ctx: rctx, items: items, size: p.cfg.BatchSize, wd: wd, stream: p.cfg.From.Stream}
		err := src.Read(rctx, sdk.ReadRequest{
			Config:    sdk.Config(p.from.Config),
			Streams:   []sdk.StreamState{{Stream: p.cfg.From.Stream, State: states[p.cfg.From.Stream]}},
			BatchSize: p.cfg.BatchSize,
		}, out)
		if err == nil {
			err = out.flush()
		}
		readErr <- err
	}()
	defer func() {
		rcancel()
		for range items {
			// Drain, so that the reader goroutine can end.
		}
	}()

	bw := r.newBatchWriter(p, t, w)
	bw.wd = wd
	if bw.peeked, err = r.peek(ctx, p, dst, wd); err != nil {
		return err
	}
	if r.onBatchWriter != nil {
		r.onBatchWriter(bw)
	}
	if err := r.consume(ctx, p, t, bw, items); err != nil {
		return err
	}
	if err := <-readErr; err != nil {
		return fmt.Errorf("read %s.%s: %w", p.from.Name, p.cfg.From.Stream, err)
	}
	closed = true
	wd.await(connectionName(p.to) + " to close its writer")
	if err := w.Close(ctx); err != nil {
		return fmt.Errorf("close writer for %s.%s: %w", p.to.Name, p.cfg.To.Stream, err)
	}
	return nil
}

// consume writes every batch that arrives on items and persists each
// batch's outcome together with the checkpoints that directly follow it.
//
// Writing and persisting overlap: while one batch's outcome is committed
// to the state file, the next batch is mapped and written. Outcomes are
// committed strictly in read order, one transaction each, so a checkpoint
// is still persisted only with or after the outcome of every record read
// before it.
//
// An outcome complete when the run is interrupted is still committed: its
// records are in the destination, and their links must be kept, or the
// next run would create them again where a destination relies on links.
// Only the batch still being written is abandoned.
func (r *Runner) consume(ctx context.Context, p *pipeline, t *tally, bw *batchWriter, items <-chan readItem) error {
	commitCtx := context.WithoutCancel(ctx)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outcomes := make(chan outcome, 1)
	writeErr := make(chan error, 1)
	go func() {
		defer close(outcomes)
		writeErr <- r.writeAll(ctx, p, t, bw, items, outcomes)
	}()
	var err error
	for o := range outcomes {
		if err = r.commit(commitCtx, t, o.commit); err != nil {
			cancel()
			break
		}
		bw.wd.progress()
		bw.committed(o.seq, o.commit.Links)
	}
	for range outcomes {
		// Drain, so that the writer can end.
	}
	if werr := <-writeErr; err == nil {
		err = werr
	}
	return err
}

// outcome is a batch's final outcome, ready to commit, in read order.
type outcome struct {
	commit state.Commit
	seq    uint64 // the batch's number in the batchWriter, 0 for checkpoints alone
}

// writeAll takes each batch on items to its outcome and hands the outcomes,
// with the checkpoints that follow each batch, to out in read order.
func (r *Runner) writeAll(ctx context.Context, p *pipeline, t *tally, bw *batchWriter, items <-chan readItem, out chan<- outcome) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends prepareAhead
	ready, free := bw.prepareAhead(ctx, items)
	var next *aheadItem
	for {
		if err := ctx.Err(); err != nil {
			return err // no new batch once interrupted
		}
		var item aheadItem
		if next != nil {
			item, next = *next, nil
		} else {
			var ok bool
			select {
			case item, ok = <-ready:
				if !ok {
					return nil
				}
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		o := outcome{commit: state.Commit{RunID: t.runID, Pipeline: p.cfg.Name}}
		if item.checkpoint != nil {
			o.commit.Checkpoints = append(o.commit.Checkpoints, *item.checkpoint)
		} else {
			if item.batch.err != nil {
				return item.batch.err
			}
			var err error
			o.commit, o.seq, err = bw.finishNext(ctx, item.batch)
			free <- item.batch.arena // written: its records' data is no longer needed
			if err != nil {
				return err
			}
			// Everything before these checkpoints is now final: persist
			// them with the batch, in one transaction.
		merge:
			for {
				select {
				case it, ok := <-ready:
					if !ok {
						break merge
					}
					if it.checkpoint == nil {
						next = &it
						break merge
					}
					o.commit.Checkpoints = append(o.commit.Checkpoints, *it.checkpoint)
				default:
					break merge
				}
			}
		}
		out <- o // consume takes every outcome, even after an error
	}
}

// aheadItem is a prepared batch or a checkpoint, in read order.
type aheadItem struct {
	batch      preparedBatch
	checkpoint *state.Checkpoint
}

// preparedAhead is how many batches prepareAhead maps before the writer
// takes them.
const preparedAhead = 1

// prepareAhead maps and filters each batch read, and looks up its keys'
// links and fingerprints, while the batches before it are written, so that
// the writer finds the next one ready: on a pipeline whose writes wait for
// the destination, mapping and lookups no longer add to each batch's time. It hands on checkpoints in their place. The
// arenas the mapped data live in go round: the writer gives each back on
// free once its batch is written. The goroutine ends when items is
// drained or ctx is done.
func (b *batchWriter) prepareAhead(ctx context.Context, items <-chan readItem) (ready <-chan aheadItem, free chan<- []byte) {
	out := make(chan aheadItem, preparedAhead)
	arenas := make(chan []byte, preparedAhead+2) // one being written, the ready ones, one being prepared
	for range cap(arenas) {
		arenas <- nil
	}
	go func() {
		defer close(out)
		for {
			var item readItem
			var ok bool
			select {
			case item, ok = <-items:
				if !ok {
					return
				}
			case <-ctx.Done():
				return
			}
			a := aheadItem{checkpoint: item.checkpoint}
			if item.checkpoint == nil {
				var arena []byte
				select {
				case arena = <-arenas:
				case <-ctx.Done():
					return
				}
				a.batch = b.prepareBatch(arena, item.records, nil)
				if a.batch.err == nil {
					// Looked up now, while the batch before is written;
					// completed from the links in memory when written.
					a.batch.lookup = b.lookUp(ctx, a.batch.out)
				}
			}
			select {
			case out <- a:
			case <-ctx.Done():
				b.dropLookup(a.batch.lookup)
				return
			}
		}
	}()
	return out, arenas
}

// readItem is a batch of records or a checkpoint, in read order.
type readItem struct {
	records    []sdk.Record
	checkpoint *state.Checkpoint
}

// chanEmitter is the engine's sdk.Emitter: it groups records into batches
// of the pipeline's size and hands them and checkpoints to the writer loop.
type chanEmitter struct {
	ctx     context.Context
	items   chan<- readItem
	size    int
	pending []sdk.Record
	wd      *watchdog // told of every batch and checkpoint that arrives
	stream  string    // the stream read: a record or checkpoint of another is a connector's bug
}

func (e *chanEmitter) Emit(records ...sdk.Record) error {
	for i := range records {
		if r := &records[i]; r.Stream != e.stream && r.Problem == "" {
			// Written, it would land in the pipeline's destination stream
			// as though it were one of this stream's.
			r.Problem = fmt.Sprintf("connector bug: a record of stream %q in a read of stream %q", r.Stream, e.stream)
		}
	}
	if len(e.pending) == 0 && len(records) >= e.size {
		// A whole batch from a plugin: pass it on without copying.
		return e.send(readItem{records: records})
	}
	e.pending = append(e.pending, records...)
	if len(e.pending) >= e.size {
		return e.flush()
	}
	return nil
}

func (e *chanEmitter) Checkpoint(stream string, st []byte) error {
	if stream != e.stream {
		// Persisted, it would never be read back, and the stream read
		// would start again from the beginning on every run.
		return final(fmt.Errorf("connector bug: a checkpoint of stream %q in a read of stream %q", stream, e.stream))
	}
	if err := e.flush(); err != nil {
		return err
	}
	return e.send(readItem{checkpoint: &state.Checkpoint{Stream: stream, State: st}})
}

func (e *chanEmitter) flush() error {
	if len(e.pending) == 0 {
		return nil
	}
	batch := e.pending
	e.pending = nil
	return e.send(readItem{records: batch})
}

func (e *chanEmitter) send(it readItem) error {
	e.wd.progress()
	select {
	case e.items <- it:
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errFinal marks failures that a restart cannot mend: a stop asked for by
// on_error, the state file failing, a connector breaking the protocol's
// contract.
var errFinal = errors.New("not retried")

// final marks err as one a restart cannot mend.
func final(err error) error { return fmt.Errorf("%w (%w)", err, errFinal) }

// restartable reports whether a failed run is worth restarting from its
// last checkpoint: a failure of a retryable kind that is not final.
func restartable(err error) bool {
	return sdk.KindOf(err).Retryable() && !errors.Is(err, errFinal)
}
