package file

import "time"

// idleRelease is how long a writer keeps its stream's files open with
// nothing to write. After it, the data file and the key index are closed,
// which releases the index's exclusive lock; the next Write opens them
// again and first takes in whatever another writer appended meanwhile
// (see writer.recover).
//
// This is what lets another process take the stream over from a writer
// whose host went quiet without closing it: a cxhub worker paused past its
// pipeline's lease (a GC pause, SIGSTOP, a network partition) leaves its
// plugin process running with the writer open, and the worker that takes
// the pipeline over — after the lease's ttl, seconds later — must be able
// to write. A busy writer, whose batches follow each other closely, keeps
// its files open and pays nothing. It is longer than the index's busy
// timeout (1s), so a second writer opened beside an active one is still
// refused rather than let in when the first pauses between batches.
const idleRelease = 2 * time.Second

// startIdle arms the idle timer after a Write. Call it with w.mu held.
func (w *writer) startIdle() {
	w.idleGen++
	gen := w.idleGen
	w.idle = time.AfterFunc(idleRelease, func() { w.releaseIdle(gen) })
}

// stopIdle disarms the idle timer. Call it with w.mu held.
func (w *writer) stopIdle() {
	if w.idle != nil {
		w.idle.Stop()
		w.idle = nil
	}
}

// releaseIdle closes the files if no Write came since Write number gen.
func (w *writer) releaseIdle(gen uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if gen != w.idleGen || w.idle == nil {
		return // a Write or Close came since: its timer decides
	}
	w.idle = nil
	if w.idx == nil && w.f == nil {
		return
	}
	if err := w.closeFiles(); err != nil {
		w.log.Warn("closing the idle stream file", "error", err)
		return
	}
	w.log.Debug("idle: the stream file and its key index are released until the next write")
}
