package surveymonkey

import (
	"testing"
	"time"
)

// TestCursorKeepsTiesWithinASecond: the cursor works to the second, as
// SurveyMonkey's start_modified_at does. Two responses modified in the
// same second, one date written with a fraction of a second (as
// SurveyMonkey writes event_datetime), are both covered once read; before,
// the second replaced the first in the cursor's ids, and the first was read
// again by the next read.
func TestCursorKeepsTiesWithinASecond(t *testing.T) {
	a := time.Date(2026, 1, 20, 10, 30, 0, 500_000_000, time.UTC)
	b := time.Date(2026, 1, 20, 10, 30, 0, 700_000_000, time.UTC)
	var c cursor
	c.advance("1", a)
	c.advance("2", b)
	if !c.covers("1", a) || !c.covers("2", b) {
		t.Errorf("cursor %+v after two responses in one second: covers 1: %v, 2: %v; want both", c, c.covers("1", a), c.covers("2", b))
	}
	if c.covers("3", b) {
		t.Errorf("cursor %+v covers response 3, never read", c)
	}
	if !c.covers("9", a.Add(-time.Second)) {
		t.Errorf("cursor %+v does not cover a response of the second before", c)
	}
}
