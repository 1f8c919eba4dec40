package server

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/hub"
	"github.com/cxhub/cxhub/core/monitor"
	"github.com/cxhub/cxhub/core/state"
)

// TestDeadLetterAlertResolvesOnDiscardAndReplay: once the dead letters
// that fired a pipeline_dead_letters alert are discarded (API or
// dashboard) or replayed, the alert resolves within a couple of seconds.
// Only a finished run made the monitor look again, so after a discard the
// alert kept firing until its next periodic evaluation (30s by default;
// an hour here, so that only the prompt re-check can resolve it).
func TestDeadLetterAlertResolvesOnDiscardAndReplay(t *testing.T) {
	cfg := strings.Replace(errorsConfig, "pipelines:", "monitor: {dead_letters: 1}\npipelines:", 1)
	var pID, qID, zID int64
	e := startServerOf(t, cfg, func(st state.Store) {
		pID = storeDeadLetter(t, st, "p", "contacts", "a")
		qID = storeDeadLetter(t, st, "q", "companies", "b")
		zID = storeDeadLetter(t, st, "z", "users", "c")
	}, nil, func(h *hub.Hub) Monitor {
		return monitor.New(h, monitor.Options{EvaluateEvery: time.Hour})
	})
	firing := func(pipeline string) (bool, string) {
		t.Helper()
		alerts, err := e.st.Alerts(context.Background(), state.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range alerts {
			if a.Kind == monitor.KindDeadLetters && a.Subject == pipeline {
				return a.Status == state.AlertFiring, a.Message
			}
		}
		return false, "no pipeline_dead_letters alert"
	}
	// waitFor waits up to within for pipeline's alert to be firing (or not).
	waitFor := func(pipeline string, want bool, within time.Duration, after string) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			got, msg := firing(pipeline)
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: pipeline_dead_letters alert of %s firing=%v after %s, want %v (%s)", after, pipeline, got, within, want, msg)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, p := range []string{"p", "q", "z"} {
		waitFor(p, true, 10*time.Second, "start")
	}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	if status, body := e.post("/api/v1/dead-letters/discard", `{"ids":[`+id(pID)+`]}`); status != 200 {
		t.Fatalf("discard = %d %s", status, body)
	}
	waitFor("p", false, 2*time.Second, "a discard through the API")

	if status, body := e.post("/api/v1/dead-letters/replay", `{"pipeline":"q","ids":[`+id(qID)+`]}`); status != 200 || !strings.Contains(body, `"status": "succeeded"`) {
		t.Fatalf("replay = %d %s", status, body)
	}
	waitFor("q", false, 2*time.Second, "a replay through the API")

	ui := signInUI(t, e.base, operatorToken)
	if ok, msg := ui.post("discard", "", zID); !ok {
		t.Fatalf("discard from the dashboard: %s", msg)
	}
	waitFor("z", false, 2*time.Second, "a discard from the dashboard")
}
