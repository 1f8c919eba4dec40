package sdktest

import (
	"fmt"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// lookBack says which records a read from a checkpoint may send again:
// those sent before the checkpoint whose cursor value lies within the
// stream's Suite.LookBack of the greatest cursor value sent before it.
type lookBack struct {
	window time.Duration
	field  string
	sent   map[string]bool // the keys sent before the checkpoint
	since  time.Time       // the earliest cursor value inside the window
}

// lookBackBefore returns the look-back of a read from the checkpoint after
// the records before.
func (sr *streamRead) lookBackBefore(before []sdk.Record) lookBack {
	lb := lookBack{window: sr.r.s.LookBack[sr.st.Name], field: sr.st.CursorField, sent: map[string]bool{}}
	var greatest time.Time
	for _, rec := range before {
		if rec.Stream != sr.st.Name {
			continue
		}
		lb.sent[rec.Key] = true
		if v, ok := cursorOf(rec.Data, lb.field); ok && v.kind == cursorTime && v.at.After(greatest) {
			greatest = v.at
		}
	}
	if !greatest.IsZero() {
		lb.since = greatest.Add(-lb.window)
	}
	return lb
}

// covers reports whether the look-back lets rec, sent again, come.
func (lb lookBack) covers(rec sdk.Record) bool {
	if lb.window <= 0 || lb.since.IsZero() || !lb.sent[rec.Key] {
		return false
	}
	v, ok := cursorOf(rec.Data, lb.field)
	return ok && v.kind == cursorTime && !v.at.Before(lb.since)
}

// describe says what the look-back is, for a failure message.
func (lb lookBack) describe(stream string) string {
	if lb.window <= 0 {
		return fmt.Sprintf("Suite.LookBack declares none for %s", stream)
	}
	return fmt.Sprintf("the look-back of %s is %v: records with %s from %s on", stream, lb.window, lb.field, lb.since.Format(time.RFC3339Nano))
}

// lookBackProblem says why the stream's Suite.LookBack cannot be used, or
// "".
func (sr *streamRead) lookBackProblem(records []sdk.Record) string {
	window := sr.r.s.LookBack[sr.st.Name]
	if window == 0 {
		return ""
	}
	if window < 0 {
		return fmt.Sprintf("Suite.LookBack for %s is negative (%v)", sr.st.Name, window)
	}
	if sr.st.CursorField == "" {
		return fmt.Sprintf("Suite.LookBack declares a look-back for %s, which has no cursor field: a look-back is measured on the cursor", sr.st.Name)
	}
	for _, rec := range records {
		if v, ok := cursorOf(rec.Data, sr.st.CursorField); ok && v.kind != cursorTime {
			return fmt.Sprintf("Suite.LookBack declares a look-back for %s, but its cursor field %s holds %q, not an RFC 3339 time",
				sr.st.Name, sr.st.CursorField, v.text)
		}
	}
	return ""
}

// splitRepeats splits the records of a read from a checkpoint into those
// the look-back lets come again (their keys) and the others. The keys in
// want, which the read must send, are never taken for repeats.
func splitRepeats(lb lookBack, records []sdk.Record, stream string, want map[string]bool) (tolerated []string, others []sdk.Record) {
	for _, rec := range records {
		if rec.Stream == stream && !want[rec.Key] && lb.covers(rec) {
			tolerated = append(tolerated, rec.Key)
			continue
		}
		others = append(others, rec)
	}
	return tolerated, others
}

// keysOf returns the keys of the records of stream, in order.
func keysOf(records []sdk.Record, stream string) []string {
	var keys []string
	for _, rec := range records {
		if rec.Stream == stream {
			keys = append(keys, rec.Key)
		}
	}
	return keys
}
