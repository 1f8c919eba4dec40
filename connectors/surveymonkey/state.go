package surveymonkey

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// readState is the responses stream's checkpoint: one cursor per survey.
type readState struct {
	Surveys map[string]*cursor `json:"surveys"`
}

// cursor is where a survey's read stands: every response modified before
// At has been read, and of those modified at At (to the second), the ones
// in IDs.
type cursor struct {
	At  string   `json:"at,omitempty"` // RFC 3339, UTC, seconds
	IDs []string `json:"ids,omitempty"`
}

func decodeState(raw []byte) (readState, error) {
	s := readState{Surveys: map[string]*cursor{}}
	if len(raw) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("checkpoint %q is not one this connector wrote: %w", raw, err)
	}
	if s.Surveys == nil {
		s.Surveys = map[string]*cursor{}
	}
	for id, c := range s.Surveys {
		if c == nil {
			return s, fmt.Errorf("checkpoint: survey %s has no cursor", id)
		}
		if c.At != "" {
			if _, err := time.Parse(time.RFC3339, c.At); err != nil {
				return s, fmt.Errorf("checkpoint: survey %s: at %q: %w", id, c.At, err)
			}
		}
	}
	return s, nil
}

func (s readState) encode() []byte {
	b, _ := json.Marshal(s) // maps of strings: cannot fail
	return b
}

// at returns the cursor's time; zero before the first response.
func (c *cursor) at() time.Time {
	t, _ := time.Parse(time.RFC3339, c.At) // checked by decodeState
	return t
}

// covers reports whether the response (id, modified at t) was read. Times
// count to the second, as start_modified_at does: a date written with a
// fraction of a second is in the second it begins with.
func (c *cursor) covers(id string, t time.Time) bool {
	t = t.Truncate(time.Second)
	at := c.at()
	return t.Before(at) || (t.Equal(at) && slices.Contains(c.IDs, id))
}

// advance records that the response (id, modified at t) was read; responses
// come in order of date_modified.
func (c *cursor) advance(id string, t time.Time) {
	t = t.Truncate(time.Second)
	at := c.at()
	switch {
	case c.At == "" || t.After(at):
		c.At, c.IDs = t.UTC().Format(time.RFC3339), []string{id}
	case t.Equal(at) && !slices.Contains(c.IDs, id):
		c.IDs = append(c.IDs, id)
	}
}
