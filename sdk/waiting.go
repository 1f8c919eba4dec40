package sdk

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	pb "github.com/cxhub/cxhub/sdk/internal/connectorpb"
	"github.com/cxhub/cxhub/sdk/internal/hostlink"
)

// Waiting tells the core that the connector waits on purpose until until,
// and why: a rate limit's pacing, a vendor's Retry-After, a retry's backoff,
// a vendor job that is still running. Call it when such a wait begins, with
// the context the SDK gave Read or Write (or one derived from it); package
// httpx calls it for every wait it sleeps.
//
// The core takes a run whose connectors make no progress for its hang
// timeout for hung, and kills and restarts them. A wait announced with
// Waiting is not a hang until it is over (plus the hang timeout), so that a
// long vendor wait is not killed. It is not progress either: a connector
// that keeps waiting without ever sending a record or an answer is still
// stopped after a bound (see the operations guide), and one that stopped
// announcing waits is taken for hung as before.
//
// Call it from the wait itself, never from a background ticker: a ticker
// would keep a deadlocked connector looking alive. It is cheap: the SDK
// sends at most about one heartbeat a second, and a call made while no
// core listens (Check, Discover, an older core's Write) does nothing.
func Waiting(ctx context.Context, reason string, until time.Time) {
	if f := hostlink.WaitFrom(ctx); f != nil {
		f(reason, until)
	}
}

// heartbeatEvery is the least time between two heartbeats of one stream,
// unless the later one announces a wait that ends more than that much
// after the last one announced.
const heartbeatEvery = time.Second

// maxReasonBytes bounds a wait's reason on the wire.
const maxReasonBytes = 512

// heartbeat sends one stream's waits to the core: throttled, and never
// after the stream has ended.
type heartbeat struct {
	send func(*pb.Waiting) error
	now  func() time.Time

	mu        sync.Mutex
	lastSent  time.Time   // when the last heartbeat was sent
	lastUntil time.Time   // the end of the wait it announced
	done      atomic.Bool // the stream ended or broke: send nothing more
}

func newHeartbeat(send func(*pb.Waiting) error) *heartbeat {
	return &heartbeat{send: send, now: time.Now}
}

// waiting sends a heartbeat for a wait until until, unless one was sent
// less than heartbeatEvery ago and the wait it announced ends no more than
// heartbeatEvery before this one: the core's picture of the wait is then
// at most about a second out of date, and a pacing loop of many short
// waits sends one heartbeat a second, not one per wait.
func (h *heartbeat) waiting(reason string, until time.Time) {
	if h.done.Load() {
		return // without waiting for a heartbeat still being sent
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	if h.done.Load() || !until.After(now) {
		return
	}
	if !h.lastSent.IsZero() && now.Sub(h.lastSent) < heartbeatEvery && !until.After(h.lastUntil.Add(heartbeatEvery)) {
		return
	}
	wait := until.Sub(now)
	ms := int64((wait + time.Millisecond - 1) / time.Millisecond)
	if err := h.send(&pb.Waiting{Reason: wireReason(reason), WaitMs: ms}); err != nil {
		// The stream broke: the call itself reports why.
		h.done.Store(true)
		return
	}
	h.lastSent, h.lastUntil = now, until
}

// stop ends the heartbeats: the stream is over. It does not wait for a
// heartbeat being sent (one blocked by a host that stopped reading ends
// when the stream does), so that the stream's handler can always return.
func (h *heartbeat) stop() {
	h.done.Store(true)
}

// wireReason makes a reason fit the protocol: valid UTF-8, bounded.
func wireReason(reason string) string {
	reason = strings.ToValidUTF8(reason, "\uFFFD")
	if len(reason) <= maxReasonBytes {
		return reason
	}
	cut := maxReasonBytes
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut] + "…"
}

// maxHeardWait bounds the wait a heartbeat may announce, as the host reads
// it (the core bounds waits far more tightly anyway).
const maxHeardWait = 24 * time.Hour

// heardWaiting passes a heartbeat that came from the connector to the
// host's listener on ctx (see host.OnWaiting), if any.
func heardWaiting(ctx context.Context, w *pb.Waiting) {
	if f := hostlink.WaitFrom(ctx); f != nil {
		ms := min(max(w.GetWaitMs(), 0), maxHeardWait.Milliseconds())
		f(wireReason(w.GetReason()), time.Now().Add(time.Duration(ms)*time.Millisecond))
	}
}
