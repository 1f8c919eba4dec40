package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"net/http"
	"strconv"
	"sync"
	"time"
)

// ErrorResponder writes a vendor's error answer for status (its JSON or
// text body, and headers such as Retry-After for a 429).
type ErrorResponder func(w http.ResponseWriter, r *http.Request, status int)

// AdminPrefix is the path under which a sandbox's admin endpoints live.
// Requests to it are never counted nor faulted.
const AdminPrefix = "/_sandbox/"

// Kit counts a sandbox's requests and injects its faults. Wrap the
// vendor's handler with it. It is safe for concurrent use.
type Kit struct {
	respond ErrorResponder
	mu      sync.Mutex
	faults  Faults
	failing []int // statuses of the next requests, from FailNext
	rng     *rand.Rand
	stats   Stats
	admin   *http.ServeMux
}

// Stats are the requests a sandbox has answered since the last reset.
type Stats struct {
	// Total counts every request, faulted or not.
	Total int `json:"total"`
	// ByRoute counts requests by "METHOD /path" (no query).
	ByRoute map[string]int `json:"by_route"`
	// ByStatus counts answers by status; 0 is a dropped connection.
	ByStatus map[int]int `json:"by_status"`
}

// NewKit returns a kit that answers injected errors with respond; seed
// makes the random faults repeatable.
func NewKit(respond ErrorResponder, seed uint64) *Kit {
	k := &Kit{respond: respond, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	k.resetStats()
	k.admin = http.NewServeMux()
	k.admin.HandleFunc("GET "+AdminPrefix+"stats", k.serveStats)
	k.admin.HandleFunc("DELETE "+AdminPrefix+"stats", func(w http.ResponseWriter, _ *http.Request) {
		k.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	k.admin.HandleFunc("GET "+AdminPrefix+"faults", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, k.Faults())
	})
	k.admin.HandleFunc("PUT "+AdminPrefix+"faults", k.serveSetFaults)
	k.admin.HandleFunc("POST "+AdminPrefix+"fail-next", k.serveFailNext)
	return k
}

// Admin returns the mux of the admin endpoints, so a vendor sandbox can add
// its own (record edits, clock) under AdminPrefix.
func (k *Kit) Admin() *http.ServeMux { return k.admin }

// SetFaults replaces the faults injected from now on.
func (k *Kit) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return fmt.Errorf("sandbox faults: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.faults = f
	return nil
}

// Faults returns the faults in force.
func (k *Kit) Faults() Faults {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.faults
}

// FailNext answers the next n requests with status, through the vendor's
// error responder. FailNext(0, 0) clears what is left.
func (k *Kit) FailNext(status, n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failing = k.failing[:0]
	for range n {
		k.failing = append(k.failing, status)
	}
}

// Stats returns a copy of the counters.
func (k *Kit) Stats() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := Stats{Total: k.stats.Total, ByRoute: map[string]int{}, ByStatus: map[int]int{}}
	for r, n := range k.stats.ByRoute {
		s.ByRoute[r] = n
	}
	for c, n := range k.stats.ByStatus {
		s.ByStatus[c] = n
	}
	return s
}

// Count returns how many requests were made to method and path.
func (k *Kit) Count(method, path string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stats.ByRoute[method+" "+path]
}

// ResetStats zeroes the counters.
func (k *Kit) ResetStats() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.resetStats()
}

func (k *Kit) resetStats() {
	k.stats = Stats{ByRoute: map[string]int{}, ByStatus: map[int]int{}}
}

// fault is what to do to one request.
type fault struct {
	status   int           // answer with this error status instead of the handler
	drop     bool          // close before the handler runs
	dropLate bool          // close after the handler ran
	truncate bool          // cut the body
	delay    time.Duration // wait first
}

// decide draws the faults of one request and counts it.
func (k *Kit) decide(r *http.Request) fault {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stats.Total++
	k.stats.ByRoute[r.Method+" "+r.URL.Path]++
	f, x := k.faults, fault{}
	hit := func(rate float64) bool { return rate > 0 && k.rng.Float64() < rate }
	if f.Latency > 0 && (f.LatencyRate == 0 || hit(f.LatencyRate)) {
		x.delay = time.Duration(f.Latency)
	}
	switch {
	case len(k.failing) > 0:
		x.status, k.failing = k.failing[0], k.failing[1:]
	case f.RateLimitStorm > 0:
		x.status = http.StatusTooManyRequests
		k.faults.RateLimitStorm--
	case hit(f.DropRate):
		x.drop = true
	case hit(f.ErrorRate):
		x.status = f.ErrorStatus
		if x.status == 0 {
			x.status = http.StatusServiceUnavailable
		}
	case hit(f.RateLimitRate):
		x.status = http.StatusTooManyRequests
	case hit(f.DropAfterRate):
		x.dropLate = true
	case hit(f.TruncateRate):
		x.truncate = true
	}
	return x
}

func (k *Kit) count(status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stats.ByStatus[status]++
}

// Wrap returns h with the admin endpoints, counting and fault injection.
func (k *Kit) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.URL.Path) >= len(AdminPrefix) && r.URL.Path[:len(AdminPrefix)] == AdminPrefix {
			k.admin.ServeHTTP(w, r)
			return
		}
		f := k.decide(r)
		if f.delay > 0 {
			t := time.NewTimer(f.delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				k.count(0)
				return
			}
		}
		switch {
		case f.drop:
			k.count(0)
			hangUp(w)
		case f.status != 0:
			rec := &recorder{header: http.Header{}}
			k.respond(rec, r, f.status)
			k.count(rec.code())
			rec.replay(w, false)
		default:
			rec := &recorder{header: http.Header{}}
			h.ServeHTTP(rec, r)
			if f.dropLate {
				k.count(0)
				hangUp(w)
				return
			}
			k.count(rec.code())
			rec.replay(w, f.truncate)
		}
	})
}

// hangUp closes the client's connection without an answer.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a test recorder: abort the stream instead
	}
	_ = conn.Close()
}

// recorder buffers a handler's answer so that the kit can send it whole,
// cut it, or drop it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) code() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// replay sends the recorded answer; truncated, it announces the whole body
// but sends half of it and closes the connection.
func (r *recorder) replay(w http.ResponseWriter, truncated bool) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	body := r.body.Bytes()
	if !truncated || len(body) < 2 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(r.code())
		_, _ = w.Write(body)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	writeTruncated(buf, r.code(), w.Header(), body)
}

func writeTruncated(buf *bufio.ReadWriter, status int, header http.Header, body []byte) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	header.Set("Content-Length", strconv.Itoa(len(body)))
	header.Set("Connection", "close")
	_ = header.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
}

func (k *Kit) serveStats(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, k.Stats())
}

func (k *Kit) serveSetFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "faults: " + err.Error()})
		return
	}
	if err := k.SetFaults(f); err != nil {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	WriteJSON(w, http.StatusOK, f)
}

func (k *Kit) serveFailNext(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status int `json:"status"`
		Count  int `json:"count"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Count < 0 ||
		(req.Count > 0 && (req.Status < 400 || req.Status > 599)) {
		WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"status": 4xx or 5xx, "count": n}`})
		return
	}
	k.FailNext(req.Status, req.Count)
	w.WriteHeader(http.StatusNoContent)
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
