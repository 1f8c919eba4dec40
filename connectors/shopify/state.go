package shopify

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// state is a stream's checkpoint: every change stamped before Since has
// been read, and so have those stamped exactly at Since whose keys are in
// Keys. A read asks for updated_at_min=Since (Shopify's bound is
// inclusive) and skips those keys at Since: no gap, and no repeat of a
// record at the boundary.
type state struct {
	Since time.Time `json:"updated_at_min"`
	Keys  []string  `json:"keys,omitempty"`
}

// decodeState reads a checkpoint; nil means from the beginning.
func decodeState(raw []byte) (state, error) {
	var s state
	if len(raw) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return state{}, fmt.Errorf("checkpoint %q is not one this connector wrote: %w", raw, err)
	}
	return s, nil
}

func (s state) encode() []byte {
	s.Since = s.Since.UTC()
	b, _ := json.Marshal(s) // a time and strings: cannot fail
	return b
}

// seenAt reports whether key was read at exactly t by the read that wrote s.
func (s state) seenAt(key string, t time.Time) bool {
	return t.Equal(s.Since) && slices.Contains(s.Keys, key)
}

// boundary collects the next checkpoint: its time and the keys stamped at
// it.
type boundary struct {
	at   time.Time
	keys []string
}

// note records that key, stamped t, has been read (or skipped as read).
func (b *boundary) note(key string, t time.Time) {
	if t.Equal(b.at) && !slices.Contains(b.keys, key) {
		b.keys = append(b.keys, key)
	}
}

func (b *boundary) state() state {
	slices.Sort(b.keys)
	return state{Since: b.at, Keys: b.keys}
}
