package dashboard

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

var points = regexp.MustCompile(`points="([^"]*)"`)

func TestSparkline(t *testing.T) {
	if got := string(sparkline(nil)); !strings.Contains(got, "no runs yet") {
		t.Errorf("no runs: %q", got)
	}
	t0 := time.Unix(1_700_000_000, 0)
	run := func(ago int, read int64, secs int) state.Run {
		s := t0.Add(-time.Duration(ago) * time.Minute)
		return state.Run{StartedAt: s, FinishedAt: s.Add(time.Duration(secs) * time.Second), Counts: state.Counts{Read: read}}
	}
	// Newest first: 100/s, then a running one (skipped), 10/s, 50/s.
	runs := []state.Run{run(1, 100, 1), {StartedAt: t0}, run(2, 20, 2), run(3, 100, 2)}
	m := points.FindStringSubmatch(string(sparkline(runs)))
	if m == nil {
		t.Fatalf("no polyline in %s", sparkline(runs))
	}
	var ys []float64
	for _, p := range strings.Fields(m[1]) {
		y, _ := strconv.ParseFloat(strings.Split(p, ",")[1], 64)
		ys = append(ys, y)
	}
	// Oldest (50/s) left, then 10/s, then the peak (100/s) at the top.
	if len(ys) != 3 || !(ys[2] < ys[0] && ys[0] < ys[1]) || ys[2] != 2 {
		t.Errorf("ys = %v, want 3 points: the middle lowest, the last at the top (y=2)", ys)
	}
}

func TestTableOfAnyShape(t *testing.T) {
	for _, tc := range []struct {
		json, cols string
		rows       int
	}{
		{`[{"name":"crm","connector":"hubspot"},{"name":"out","connector":"file","status":"ok"}]`, "name connector status", 2},
		{`{"crm":{"status":"failing","rate_limit":{"remaining":3}},"out":{"status":"ok"}}`, "name rate_limit status", 2},
		{`"just text"`, "value", 1},
		{`null`, "", 0},
	} {
		tb := tableOf(json.RawMessage(tc.json))
		if got := strings.Join(tb.Columns, " "); got != tc.cols || len(tb.Rows) != tc.rows {
			t.Errorf("%s: columns %q rows %d, want %q %d", tc.json, got, len(tb.Rows), tc.cols, tc.rows)
		}
	}
	tb := tableOf(json.RawMessage(`{"crm":{"status":"failing","rate_limit":{"remaining":3}}}`))
	if r := tb.Rows[0]; r[0].Text != "crm" || r[1].Text != `{"remaining":3}` || r[2].Class != "bad" {
		t.Errorf("row = %+v", r)
	}
}
