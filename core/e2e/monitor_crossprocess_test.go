package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// TestCLIDiscardResolvesServesAlertWithinMoments: on a PostgreSQL state,
// `cxhub dlq discard` run by the CLI (another process) while `cxhub serve`
// runs resolves serve's pipeline_dead_letters alert within moments. Serve
// looked again only at its monitor's next periodic evaluation, 30 s later.
func TestCLIDiscardResolvesServesAlertWithinMoments(t *testing.T) {
	c := newCluster(t, 1, "  strict: {connector: file, config: {dir: strict, streams: {p01: {key: id}}}}\nmonitor: {dead_letters: 2}\n",
		"  - {name: p01, from: {connection: in, stream: p01}, to: {connection: strict, stream: p01}, map: {id: id, seq: seq}, schedule: 1h, jitter: 0s}\n")
	// Two records without an id: the destination, keyed by id, refuses them (bad_record).
	c.w.write("in/p01.jsonl", `{"id":"a","seq":1}`+"\n"+`{"seq":2}`+"\n"+`{"seq":3}`+"\n")
	c.start(0)
	a := c.api(0)
	a.must("POST", "/api/v1/pipelines/p01/trigger", operatorToken, nil, 202)
	alertOf := func() (state.Alert, bool) {
		var alerts []state.Alert
		if err := json.Unmarshal([]byte(a.must("GET", "/api/v1/alerts", operatorToken, nil, 200)), &alerts); err != nil {
			t.Fatal(err)
		}
		for _, al := range alerts {
			if al.Key == "pipeline_dead_letters:p01" {
				return al, true
			}
		}
		return state.Alert{}, false
	}
	defer func() {
		if t.Failed() {
			t.Logf("runs: %s\ndead letters: %s\nalerts: %s", a.must("GET", "/api/v1/runs", operatorToken, nil, 200),
				a.must("GET", "/api/v1/dead-letters?status=all", operatorToken, nil, 200), a.must("GET", "/api/v1/alerts", operatorToken, nil, 200))
		}
	}()
	waitFor(t, "the dead-letter alert to fire", 20*time.Second, func() bool {
		al, ok := alertOf()
		return ok && al.Status == state.AlertFiring
	})
	var dls []struct{ ID int64 }
	if err := json.Unmarshal([]byte(a.must("GET", "/api/v1/dead-letters?pipeline=p01", operatorToken, nil, 200)), &dls); err != nil || len(dls) != 2 {
		t.Fatalf("dead letters of p01: %v %+v", err, dls)
	}
	if res := c.cli("dlq", "discard", fmt.Sprint(dls[0].ID)); res.code != 0 || !strings.Contains(res.stdout, "1 dead letter(s) discarded") {
		t.Fatalf("cxhub dlq discard beside serve:\n%s", res)
	}
	discarded := time.Now()
	for {
		if al, _ := alertOf(); al.Status == state.AlertResolved {
			t.Logf("resolved %v after the CLI's discard: %s", time.Since(discarded).Round(time.Millisecond), al.Message)
			break
		}
		if time.Since(discarded) > 10*time.Second {
			al, _ := alertOf()
			t.Fatalf("10s after the CLI discarded a dead letter (1 pending, threshold 2), serve's alert is %s: %s", al.Status, al.Message)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
