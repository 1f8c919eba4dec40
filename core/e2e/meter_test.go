package e2e

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// meter wraps a vendor sandbox's handler (faults included) and observes
// from outside what the sandbox's own counters cannot tell apart: answers
// cut mid-body, connections closed without a word, slow answers. It can
// also park one chosen request, so that a test acts (kills a process)
// while that request is in flight.
type meter struct {
	next http.Handler
	slow time.Duration // an answer taking at least this long counts as slow

	// serial lets a forced request run alone: the kit's faults are
	// changed for it and put back after it.
	serial sync.RWMutex

	mu        sync.Mutex
	kit       *kit.Kit
	force     []kit.Faults // faults to force, one request each, in turn
	every     int          // force on every every-th request
	seen      int          // requests seen
	truncated int          // hijacked connections that got part of an answer
	reset     int          // hijacked connections closed without a byte
	slowCount int
	park      *parking
}

// parking is one armed park: the skip-th next request that match accepts
// is held.
type parking struct {
	match func(*http.Request) bool
	skip  int
	// afterHandler: the sandbox serves the request (the change is made)
	// before it is held; else it is held first and never served.
	afterHandler bool
	parked       chan struct{} // closed once a request is held
	release      chan struct{} // closed by the test to let it go
}

// meterStats are what a meter saw.
type meterStats struct {
	Truncated, Reset, Slow int
}

// startMetered serves h (a sandbox's Handler) on a loopback port behind a
// meter and returns the meter and the base URL.
func startMetered(t *testing.T, h http.Handler, slow time.Duration) (*meter, string) {
	t.Helper()
	m := &meter{next: h, slow: slow}
	srv, err := kit.Start(m, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return m, srv.URL
}

// stats returns what the meter saw so far.
func (m *meter) stats() meterStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return meterStats{Truncated: m.truncated, Reset: m.reset, Slow: m.slowCount}
}

// injectFaults sets the faults of the sandbox's kit, and makes sure each
// kind of fault they name hits at least once however few requests come:
// every every-th request gets one kind at a rate of 1, in turn, until
// each kind was forced once. The random faults go on around them.
func (m *meter) injectFaults(k *kit.Kit, f kit.Faults, every int) error {
	if err := k.SetFaults(f); err != nil {
		return err
	}
	var force []kit.Faults
	one := func(asked bool, g kit.Faults) {
		if asked {
			force = append(force, g)
		}
	}
	one(f.ErrorRate > 0, kit.Faults{ErrorRate: 1, ErrorStatus: f.ErrorStatus})
	one(f.RateLimitRate > 0, kit.Faults{RateLimitRate: 1})
	one(f.Latency > 0, kit.Faults{Latency: f.Latency})
	one(f.DropRate > 0, kit.Faults{DropRate: 1})
	one(f.DropAfterRate > 0, kit.Faults{DropAfterRate: 1})
	one(f.TruncateRate > 0, kit.Faults{TruncateRate: 1})
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kit, m.force, m.every, m.seen = k, force, every, 0
	return nil
}

// forced returns the faults to force on the request now arriving, if any.
func (m *meter) forced() (kit.Faults, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen++
	if len(m.force) == 0 || m.every == 0 || m.seen%m.every != 0 {
		return kit.Faults{}, false
	}
	f := m.force[0]
	m.force = m.force[1:]
	return f, true
}

// parkNext arms the meter: the skip-th next request that match accepts is
// held (after the sandbox made its change if afterHandler) until release
// is called. parked is closed once it is held.
func (m *meter) parkNext(match func(*http.Request) bool, skip int, afterHandler bool) (parked <-chan struct{}, release func()) {
	p := &parking{match: match, skip: skip, afterHandler: afterHandler,
		parked: make(chan struct{}), release: make(chan struct{})}
	m.mu.Lock()
	m.park = p
	m.mu.Unlock()
	var once sync.Once
	return p.parked, func() {
		once.Do(func() {
			m.mu.Lock()
			if m.park == p {
				m.park = nil
			}
			m.mu.Unlock()
			close(p.release)
		})
	}
}

// take returns the armed parking if r is the request to hold.
func (m *meter) take(r *http.Request) *parking {
	m.mu.Lock()
	defer m.mu.Unlock()
	p := m.park
	if p == nil || !p.match(r) {
		return nil
	}
	if p.skip > 0 {
		p.skip--
		return nil
	}
	m.park = nil
	return p
}

func (m *meter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := m.take(r); p != nil {
		m.hold(w, r, p)
		return
	}
	if f, ok := m.forced(); ok {
		m.serial.Lock()
		defer m.serial.Unlock()
		prev := m.kit.Faults() // with what is left of a storm
		_ = m.kit.SetFaults(f) // valid: one kind at rate 1
		defer func() { _ = m.kit.SetFaults(prev) }()
	} else {
		m.serial.RLock()
		defer m.serial.RUnlock()
	}
	start := time.Now()
	mw := &meteredWriter{ResponseWriter: w, m: m}
	m.next.ServeHTTP(mw, r)
	if m.slow > 0 && time.Since(start) >= m.slow {
		m.mu.Lock()
		m.slowCount++
		m.mu.Unlock()
	}
}

// hold serves a parked request: the sandbox answers into a recorder (if
// afterHandler), the test is told, and the answer goes out only once the
// test releases it, if the client is still there to read it.
func (m *meter) hold(w http.ResponseWriter, r *http.Request, p *parking) {
	var rec *httptest.ResponseRecorder
	if p.afterHandler {
		rec = httptest.NewRecorder()
		m.next.ServeHTTP(rec, r)
	}
	close(p.parked)
	<-p.release
	if rec == nil || r.Context().Err() != nil {
		panic(http.ErrAbortHandler) // close the connection: the answer never comes
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// meteredWriter sees the sandbox hijack a connection (to drop it or to cut
// its answer) and counts which of the two it did.
type meteredWriter struct {
	http.ResponseWriter
	m *meter
}

// Hijack hands the sandbox the connection, through a writer that counts
// what it sends before closing it.
func (mw *meteredWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := mw.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("meter: the connection cannot be hijacked")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	c := &countedConn{Conn: conn, m: mw.m}
	cw := &countingWriter{under: rw.Writer, c: c}
	return c, bufio.NewReadWriter(rw.Reader, bufio.NewWriter(cw)), nil
}

// Unwrap lets http.ResponseController reach the server's writer.
func (mw *meteredWriter) Unwrap() http.ResponseWriter { return mw.ResponseWriter }

// countedConn is a hijacked connection: on Close it counts whether the
// sandbox sent anything through it.
type countedConn struct {
	net.Conn
	m     *meter
	sent  int
	close sync.Once
}

func (c *countedConn) Close() error {
	c.close.Do(func() {
		c.m.mu.Lock()
		if c.sent > 0 {
			c.m.truncated++
		} else {
			c.m.reset++
		}
		c.m.mu.Unlock()
	})
	return c.Conn.Close()
}

// countingWriter passes writes to the connection's buffered writer and
// flushes it at once, so that nothing is left in it when the sandbox
// closes the connection.
type countingWriter struct {
	under *bufio.Writer
	c     *countedConn
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.under.Write(b)
	w.c.sent += n
	if err == nil {
		err = w.under.Flush()
	}
	return n, err
}

var _ io.Writer = (*countingWriter)(nil)
