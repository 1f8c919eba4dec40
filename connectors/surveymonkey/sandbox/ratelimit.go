package sandbox

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	kit "github.com/cxhub/cxhub/sdk/sandbox"
)

// SurveyMonkey's rate-limit headers, on every authenticated answer.
const (
	MinuteLimitHeader     = "X-Ratelimit-App-Global-Minute-Limit"
	MinuteRemainingHeader = "X-Ratelimit-App-Global-Minute-Remaining"
	MinuteResetHeader     = "X-Ratelimit-App-Global-Minute-Reset"
	DayLimitHeader        = "X-Ratelimit-App-Global-Day-Limit"
	DayRemainingHeader    = "X-Ratelimit-App-Global-Day-Remaining"
	DayResetHeader        = "X-Ratelimit-App-Global-Day-Reset"
)

// limits are the per-token limits: a rolling minute on the wall clock (so
// that a frozen data clock still sees it slide) and a day that resets at
// midnight UTC of the sandbox's clock.
type limits struct {
	minute *kit.Window
	off    bool
	day    int
	now    func() time.Time
	mu     sync.Mutex
	used   map[string]int       // requests today, per token
	dayOf  map[string]time.Time // the day used counts, per token
}

func newLimits(o Options) *limits {
	return &limits{minute: kit.NewWindow(o.MinuteLimit, o.MinuteWindow), off: o.NoMinuteLimit, day: o.DayLimit,
		now: o.Now, used: map[string]int{}, dayOf: map[string]time.Time{}}
}

// limit takes one request of token and writes the rate-limit headers; it
// answers 429 itself and returns false when a limit is spent.
func (s *Sandbox) limit(w http.ResponseWriter, token string) bool {
	l := s.limits
	d := kit.Decision{Allowed: true, Remaining: l.minute.Limit()}
	if !l.off {
		d = l.minute.Take(token, time.Now())
	}
	now := l.now().UTC()
	today := now.Truncate(24 * time.Hour)
	l.mu.Lock()
	if !l.dayOf[token].Equal(today) {
		l.dayOf[token], l.used[token] = today, 0
	}
	dayOK := l.used[token] < l.day
	if d.Allowed && dayOK {
		l.used[token]++
	}
	dayLeft := l.day - l.used[token]
	l.mu.Unlock()
	h := w.Header()
	h.Set(MinuteLimitHeader, strconv.Itoa(l.minute.Limit()))
	h.Set(MinuteRemainingHeader, strconv.Itoa(d.Remaining))
	h.Set(MinuteResetHeader, strconv.Itoa(int(math.Ceil(max(d.Reset, 0).Seconds()))))
	h.Set(DayLimitHeader, strconv.Itoa(l.day))
	h.Set(DayRemainingHeader, strconv.Itoa(max(dayLeft, 0)))
	h.Set(DayResetHeader, strconv.Itoa(int(math.Ceil(today.Add(24*time.Hour).Sub(now).Seconds()))))
	if !d.Allowed || !dayOK {
		writeTooMany(w)
		return false
	}
	return true
}

// SetDayRemaining makes the day's quota of every token have n requests
// left (for quota tests); the next midnight resets it as usual.
func (s *Sandbox) SetDayRemaining(n int) {
	l := s.limits
	l.mu.Lock()
	defer l.mu.Unlock()
	today := l.now().UTC().Truncate(24 * time.Hour)
	for _, t := range s.opts.Tokens {
		l.dayOf[t], l.used[t] = today, max(l.day-n, 0)
	}
}

// ResetDay gives every token its whole day's quota again, as midnight does.
func (s *Sandbox) ResetDay() { s.SetDayRemaining(s.limits.day) }

func jsonEncoder(w io.Writer) *json.Encoder { return json.NewEncoder(w) }
