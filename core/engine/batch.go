package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/cxhub/cxhub/core/mapping"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/sdk"
)

// batchWriter takes one batch of source records to its final outcome:
// mapped, filtered, written (with retries) or dead-lettered.
//
// A batch is written while the one before it may still be committing, so
// the links of written batches are kept in memory until their commit:
// a later record of the same key then updates the object the earlier one
// created instead of creating a second.
type batchWriter struct {
	runner *Runner
	p      *pipeline
	runID  int64
	t      *tally
	w      sdk.Writer
	wd     *watchdog // told of every answer of the destination; nil: none

	seq          uint64 // batches processed so far
	arena        []byte // the mapped records of the batch being processed
	mu           sync.Mutex
	pendingLinks map[string]pendingLink // by source key: links written, not yet committed; see committed
	commits      uint64                 // batches committed so far (committed calls)
	lookups      []uint64               // the lookups of the state file running: commits when each began, in order
	peeked       map[string]*peeked     // a sync's changes on the other side, by anchor key; see peek
}

// pendingLink is a destination id a batch wrote and has not committed
// yet, with the fingerprint its link commits.
type pendingLink struct {
	dstID       string
	fp          []byte // nil: none
	seq         uint64 // the batch that wrote it
	committedAt uint64 // 0, or b.commits once its batch committed while a lookup ran
}

func (r *Runner) newBatchWriter(p *pipeline, t *tally, w sdk.Writer) *batchWriter {
	return &batchWriter{runner: r, p: p, runID: t.runID, t: t, w: w, pendingLinks: map[string]pendingLink{}}
}

// processNext processes the next batch read and returns its outcome and
// number; pass both to committed once the outcome is persisted.
func (b *batchWriter) processNext(ctx context.Context, recs []sdk.Record) (state.Commit, uint64, error) {
	pb := b.prepareBatch(b.arena, recs, nil)
	b.arena = pb.arena
	if pb.err != nil {
		return pb.commit, 0, pb.err
	}
	return b.finishNext(ctx, pb)
}

// finishNext is processNext for a batch prepareBatch prepared.
func (b *batchWriter) finishNext(ctx context.Context, pb preparedBatch) (state.Commit, uint64, error) {
	b.seq++
	c, err := b.finish(ctx, pb)
	if err != nil {
		return c, 0, err
	}
	b.remember(b.seq, c.Links)
	return c, b.seq, nil
}

// remember keeps links of batch seq until committed forgets them.
func (b *batchWriter) remember(seq uint64, links []state.Link) {
	if len(links) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range links {
		key, id := b.p.linkEnds(l)
		b.pendingLinks[key] = pendingLink{dstID: id, fp: l.Fingerprint, seq: seq}
	}
}

// committed forgets the links of batch seq, now in the state file, unless
// a later batch has replaced them.
//
// A lookup of the state file that began before the commit may not see
// them, and takes what it misses from the links in memory once its query
// returns: while such a lookup runs, the links are only marked with the
// commit's number, and forgotten once every running lookup began after
// it (endLookup). Lookups ahead overlap one another, so waiting for none
// to run would keep a whole run's links.
func (b *batchWriter) committed(seq uint64, links []state.Link) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.commits++
	for _, l := range links {
		key, _ := b.p.linkEnds(l)
		if pl, ok := b.pendingLinks[key]; ok && pl.seq == seq {
			if len(b.lookups) > 0 { // each began before this commit
				pl.committedAt = b.commits
				b.pendingLinks[key] = pl
				continue
			}
			delete(b.pendingLinks, key)
		}
	}
}

// beginLookup is called before a lookup of the state file whose answer
// the links in memory complete, and returns the lookup's number for
// endLookup; endLookup after it, with overlay, which completes the answer
// from b.pendingLinks (under b.mu). Lookups begin and end in order.
func (b *batchWriter) beginLookup() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lookups = append(b.lookups, b.commits)
	return b.commits
}

func (b *batchWriter) endLookup(began uint64, overlay func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if overlay != nil {
		overlay()
	}
	if i := slices.Index(b.lookups, began); i >= 0 {
		b.lookups = slices.Delete(b.lookups, i, i+1)
	}
	// What the oldest running lookup may have missed stays; the rest every
	// lookup from now on finds in the state file.
	visible := b.commits
	if len(b.lookups) > 0 {
		visible = b.lookups[0]
	}
	for key, pl := range b.pendingLinks {
		if pl.committedAt != 0 && pl.committedAt <= visible {
			delete(b.pendingLinks, key)
		}
	}
}

// outgoing is a record on its way to the destination, with where it came from.
type outgoing struct {
	src      int // index in the source batch
	rec      sdk.Record
	attempts int
	lastErr  error
	fp       []byte // the fingerprint the write's link commits; nil: none
}

// process returns the batch's outcome as a commit (without checkpoints).
// replayOf, when set, holds the dead letters the batch replays, index for
// index: their outcome updates them instead of making new ones.
func (b *batchWriter) process(ctx context.Context, recs []sdk.Record, replayOf []state.DeadLetter) (state.Commit, error) {
	pb := b.prepareBatch(b.arena, recs, replayOf)
	b.arena = pb.arena
	if pb.err != nil {
		return pb.commit, pb.err
	}
	return b.finish(ctx, pb)
}

// preparedBatch is a batch read, mapped and filtered (prepareBatch), on
// its way to the destination (finish).
type preparedBatch struct {
	recs     []sdk.Record
	replayOf []state.DeadLetter
	out      []outgoing
	commit   state.Commit // its counts and dead letters so far
	arena    []byte       // holds out's data until the batch is written
	lookup   *stateLookup // taken ahead of finish; nil: finish takes it
	err      error
}

// prepareBatch maps and filters recs into arena (reused when it is large
// enough). It depends on nothing earlier batches did, so it may run while
// the batch before is still being written.
func (b *batchWriter) prepareBatch(arena []byte, recs []sdk.Record, replayOf []state.DeadLetter) preparedBatch {
	pb := preparedBatch{recs: recs, replayOf: replayOf, commit: state.Commit{RunID: b.runID, Pipeline: b.p.cfg.Name}}
	pb.commit.Counts.Read = int64(len(recs))
	if replayOf != nil {
		pb.commit.Counts.Read = 0
	}
	pb.out, pb.arena, pb.err = b.prepare(arena, recs, replayOf, &pb.commit)
	return pb
}

// finish takes a prepared batch to its outcome: stages, links, change
// detection and the write. Batches are finished one at a time, in order.
func (b *batchWriter) finish(ctx context.Context, pb preparedBatch) (state.Commit, error) {
	c, recs, replayOf, out := pb.commit, pb.recs, pb.replayOf, pb.out
	if err := b.runStages(ctx, recs, out); err != nil {
		return c, err
	}
	lk := pb.lookup
	if lk == nil {
		lk = b.lookUp(ctx, out)
	}
	fps, err := b.attachLookup(lk, out)
	if err != nil {
		return c, err
	}
	out, err = b.skipUnchanged(out, fps, replayOf, &c)
	if err != nil {
		return c, err
	}
	if err := b.write(ctx, recs, out, replayOf, &c); err != nil {
		return c, err
	}
	return c, nil
}

// prepare maps and filters the batch; records that cannot be mapped are
// dead-lettered into c.
func (b *batchWriter) prepare(arena []byte, recs []sdk.Record, replayOf []state.DeadLetter, c *state.Commit) ([]outgoing, []byte, error) {
	size := 0
	for i := range recs {
		size += len(recs[i].Data)
	}
	// One buffer holds every mapped record of the batch; records slice it
	// once it stops growing. It is reused by the next batch: nothing keeps
	// a mapped record once the batch is written (writers copy what they
	// keep, see sdk.Writer; dead letters keep the source record).
	arena = arena[:0]
	if need := size + size/4 + 64; cap(arena) < need {
		arena = make([]byte, 0, need)
	}
	out := make([]outgoing, 0, len(recs))
	ends := make([]int, 0, len(recs))
	var doc mapping.Doc // each record is checked and scanned once for the filter and the map
	for i := range recs {
		r := &recs[i]
		if r.Key == "" {
			// Dead letters and links are found by key: give the record one,
			// stable for the same data, and dead-letter it.
			r.Key = keyless(r.Data)
			if r.Problem == "" {
				r.Problem = "the source gave the record no key"
			}
		}
		if len(r.Key) > sdk.MaxKeyBytes && r.Problem == "" {
			// Keys are indexed in the state (links): PostgreSQL's indexes
			// refuse long entries, and the commit would fail every run.
			r.Problem = sdk.KeyTooLong(r.Key)
		}
		if r.Problem != "" {
			if err := b.reject(c, recs, replayOf, i, sdk.BadRecord(errors.New(r.Problem)), 0); err != nil {
				return nil, arena, err
			}
			continue
		}
		doc.Reset(r.Data)
		if r.Op == sdk.Upsert && !b.p.filter.MatchDoc(&doc) {
			c.Counts.Filtered++
			if replayOf != nil {
				// The pipeline no longer wants it: resolved, not written.
				c.Discarded = append(c.Discarded, replayOf[i].ID)
			}
			continue
		}
		start := len(arena)
		var err error
		arena, err = b.p.mapper.ApplyDoc(arena, &doc)
		if err != nil {
			arena = arena[:start]
			if r.Op == sdk.Delete {
				// A delete needs only its key: send it without data.
				arena = append(arena, "{}"...)
			} else {
				if err := b.reject(c, recs, replayOf, i, sdk.BadRecord(fmt.Errorf("map: %w", err)), 0); err != nil {
					return nil, arena, err
				}
				continue
			}
		}
		if n := len(arena) - start; n > sdk.MaxRecordBytes {
			arena = arena[:start]
			err := sdk.BadRecord(fmt.Errorf("mapped record is %d bytes, more than the limit of %d", n, sdk.MaxRecordBytes))
			if err := b.reject(c, recs, replayOf, i, err, 0); err != nil {
				return nil, arena, err
			}
			continue
		}
		out = append(out, outgoing{src: i, rec: sdk.Record{
			Stream: b.p.cfg.To.Stream, Key: r.Key, Op: r.Op, UpdatedAt: r.UpdatedAt,
		}})
		ends = append(ends, len(arena))
	}
	start := 0
	for j := range out {
		out[j].rec.Data = arena[start:ends[j]:ends[j]]
		start = ends[j]
	}
	return out, arena, nil
}

// runStages shows the batch to the runner's stages, which may enrich the
// mapped records.
func (b *batchWriter) runStages(ctx context.Context, recs []sdk.Record, out []outgoing) error {
	if len(b.runner.Stages) == 0 {
		return nil
	}
	sb := &Batch{
		Pipeline: b.p.cfg.Name, Source: b.t.source, In: recs,
		From:    Endpoint{Connection: b.p.from.Name, Connector: b.p.from.Connector, Stream: b.p.cfg.From.Stream},
		To:      Endpoint{Connection: b.p.to.Name, Connector: b.p.to.Connector, Stream: b.p.cfg.To.Stream},
		Out:     make([]sdk.Record, len(out)),
		OutFrom: make([]int, len(out)),
	}
	for i := range out {
		sb.Out[i], sb.OutFrom[i] = out[i].rec, out[i].src
	}
	for _, st := range b.runner.Stages {
		if err := st.Process(ctx, sb); err != nil {
			return fmt.Errorf("pipeline %s: stage: %w", b.p.cfg.Name, err)
		}
	}
	for i := range out {
		out[i].rec.Data = sb.Out[i].Data
	}
	return nil
}

// stateLookup is what the state file holds for a batch's keys: the ids
// of the objects they are linked to and the fingerprints on those links.
// It may be taken ahead, while earlier batches are still being written
// and committed; attachLookup completes it with the links those batches
// keep in memory (see committed).
type stateLookup struct {
	links   map[string]string // key → object id
	fps     map[string][]byte // key → fingerprint, for linked keys
	err     error
	running bool   // begun (beginLookup), not yet ended
	began   uint64 // beginLookup's number for it
}

// lookUp asks the state file for out's links and fingerprints. The lookup
// counts as running (beginLookup) until attachLookup or dropLookup.
func (b *batchWriter) lookUp(ctx context.Context, out []outgoing) *stateLookup {
	lk := &stateLookup{}
	if len(out) == 0 {
		return lk
	}
	lk.began, lk.running = b.beginLookup(), true
	keys := make([]string, len(out))
	for i := range out {
		keys[i] = out[i].rec.Key
	}
	p := b.p
	lk.links, lk.err = b.runner.Store.LookupLinks(ctx, p.from.Name, p.cfg.From.Stream, p.to.Name, p.cfg.To.Stream, keys)
	if lk.err != nil {
		lk.err = final(fmt.Errorf("look up links: %w", lk.err))
		return lk
	}
	linked := keys[:0]
	for _, k := range keys {
		if lk.links[k] != "" {
			linked = append(linked, k)
		}
	}
	if len(linked) > 0 {
		if lk.fps, lk.err = b.runner.Store.LookupFingerprints(ctx, p.fingerprintQuery(), linked); lk.err != nil {
			lk.err = final(fmt.Errorf("look up fingerprints: %w", lk.err))
		}
	}
	return lk
}

// dropLookup ends a lookup whose batch is not finished.
func (b *batchWriter) dropLookup(lk *stateLookup) {
	if lk != nil && lk.running {
		lk.running = false
		b.endLookup(lk.began, nil)
	}
}

// attachLookup sets TargetID on every record already written to this
// destination before, and returns the fingerprints of their links: from
// the state file, unless a batch written since holds newer ones.
func (b *batchWriter) attachLookup(lk *stateLookup, out []outgoing) (map[string][]byte, error) {
	if !lk.running {
		return nil, lk.err // nothing to look up
	}
	lk.running = false
	fps := lk.fps
	b.endLookup(lk.began, func() {
		if lk.err != nil {
			return
		}
		if fps == nil {
			fps = map[string][]byte{}
		}
		for i := range out {
			key := out[i].rec.Key
			pl, ok := b.pendingLinks[key]
			if !ok {
				out[i].rec.TargetID = lk.links[key]
				continue
			}
			out[i].rec.TargetID = pl.dstID // newer than the state file's
			if pl.fp != nil {
				fps[key] = pl.fp
			} else {
				delete(fps, key) // unknown: written again
			}
		}
	})
	return fps, lk.err
}

// write sends the records, retrying those that failed for a retryable
// reason until the pipeline's retry budget is spent.
func (b *batchWriter) write(ctx context.Context, recs []sdk.Record, out []outgoing, replayOf []state.DeadLetter, c *state.Commit) error {
	rc := b.p.cfg.Retry
	bo := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(rc.InitialInterval),
		backoff.WithMaxInterval(rc.MaxInterval),
		backoff.WithMaxElapsedTime(rc.MaxElapsed))
	pending := out
	batch := make([]sdk.Record, 0, len(out))
	for len(pending) > 0 {
		batch = batch[:0]
		for i := range pending {
			pending[i].attempts++
			batch = append(batch, pending[i].rec)
		}
		if err := mayWrite(ctx); err != nil {
			return err
		}
		done := b.wd.await(fmt.Sprintf("%s to answer a write of %d records", connectionName(b.p.to), len(batch)))
		resp, err := b.w.Write(ctx, sdk.WriteRequest{Records: batch})
		done()
		b.wd.progress()
		if err != nil {
			return fmt.Errorf("write %d records to %s.%s: %w", len(batch), b.p.to.Name, b.p.cfg.To.Stream, err)
		}
		if len(resp.Results) != len(batch) {
			return final(fmt.Errorf("connector bug: write to %s.%s: %d results for %d records",
				b.p.to.Name, b.p.cfg.To.Stream, len(resp.Results), len(batch)))
		}
		var retry []outgoing
		var wait time.Duration
		for j, res := range resp.Results {
			o := pending[j]
			if res.Err == nil {
				b.written(c, o, res, replayOf)
				continue
			}
			switch kind := sdk.KindOf(res.Err); {
			case kind == sdk.KindConfig || kind == sdk.KindAuth || kind == sdk.KindConnectorBug:
				return fmt.Errorf("write record %q to %s.%s: %w", o.rec.Key, b.p.to.Name, b.p.cfg.To.Stream, res.Err)
			case kind.Retryable():
				o.lastErr = res.Err
				retry = append(retry, o)
				wait = max(wait, sdk.RetryAfterOf(res.Err))
			default:
				if err := b.reject(c, recs, replayOf, o.src, res.Err, o.attempts); err != nil {
					return err
				}
			}
		}
		if len(retry) == 0 {
			return nil
		}
		d := bo.NextBackOff()
		// The budget bounds the destination's own waits too: a rate limit
		// that asks for an hour must not hold the run for an hour.
		if d != backoff.Stop && bo.GetElapsedTime()+max(d, wait) > rc.MaxElapsed {
			d = backoff.Stop
		}
		if d == backoff.Stop {
			for _, o := range retry {
				err := fmt.Errorf("gave up after %d attempts: %w", o.attempts, o.lastErr)
				if wait > 0 && bo.GetElapsedTime()+wait > rc.MaxElapsed {
					err = fmt.Errorf("gave up after %d attempts: the destination asks to wait %s, past retry.max_elapsed (%s): %w",
						o.attempts, wait.Round(time.Second), rc.MaxElapsed, o.lastErr)
				}
				if err := b.reject(c, recs, replayOf, o.src, err, o.attempts); err != nil {
					return err
				}
			}
			return nil
		}
		c.Counts.Retries += int64(len(retry))
		if wait > 0 {
			b.t.emit(Event{Kind: EventRateLimitWait, Wait: wait})
		}
		b.t.emit(Event{Kind: EventRetry, Records: len(retry), Wait: max(d, wait)})
		b.wd.waiting(time.Now().Add(max(d, wait)))
		if err := sleep(ctx, max(d, wait)); err != nil {
			return err
		}
		pending = retry
	}
	return nil
}

// written records a successful write: the link and the counts.
func (b *batchWriter) written(c *state.Commit, o outgoing, res sdk.Result, replayOf []state.DeadLetter) {
	c.Counts.Written++
	if res.Created {
		c.Counts.Created++
	} else {
		c.Counts.Updated++
	}
	id := res.ID
	if id == "" {
		id = o.rec.TargetID
	}
	if id != "" && (o.rec.Op == sdk.Upsert || o.fp != nil) {
		c.Links = append(c.Links, b.p.link(o.rec.Key, id, o.fp))
	}
	if replayOf != nil {
		c.Replayed = append(c.Replayed, replayOf[o.src].ID)
	}
}

// reject dead-letters source record i with err, or, with on_error: stop,
// returns the error that stops the run.
func (b *batchWriter) reject(c *state.Commit, recs []sdk.Record, replayOf []state.DeadLetter, i int, err error, attempts int) error {
	r := &recs[i]
	if b.p.cfg.OnError == "stop" {
		return final(fmt.Errorf("record %q of %s.%s: %w (on_error is stop: the run stops)", r.Key, b.p.from.Name, b.p.cfg.From.Stream, err))
	}
	kind := sdk.KindOf(err)
	if kind == sdk.KindUnknown {
		kind = sdk.KindTransient
	}
	dl := state.DeadLetter{
		Pipeline: b.p.cfg.Name, RunID: b.runID,
		Stream: r.Stream, Key: r.Key, Op: r.Op.String(), Data: r.Data, UpdatedAt: r.UpdatedAt,
		ErrorKind: kind.String(), Error: b.runner.redact(err.Error()), Attempts: attempts,
		Status: state.DeadLetterPending, SourceProblem: r.Problem != "",
	}
	if dl.Stream == "" {
		dl.Stream = b.p.cfg.From.Stream // a source that named none: the stream read
	}
	if replayOf != nil {
		prev := replayOf[i]
		dl.ID, dl.Attempts, dl.Stream = prev.ID, prev.Attempts+attempts, prev.Stream
	}
	c.DeadLetters = append(c.DeadLetters, dl)
	c.Counts.DeadLettered++
	return nil
}

// keyless is the key given to a source record that came without one: a
// short hash of its data, the same on every read.
func keyless(data []byte) string {
	sum := sha256.Sum256(data)
	return "no-key-" + hex.EncodeToString(sum[:8])
}
