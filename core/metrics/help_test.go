package metrics

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/core/config"
)

// TestHelpTextsNameEveryLabelValue: a help text that lists a label's
// values lists all of them — the webhook outcomes (unknown_connection was
// missing) and the alert kinds — and the records-read help says what the
// counter counts: a replay reads none (it said replays read dead letters,
// which docs/monitoring.md and the engine contradict).
func TestHelpTextsNameEveryLabelValue(t *testing.T) {
	h := &fakeHub{cfg: &config.Config{Pipelines: []*config.Pipeline{{Name: "a"}}}, store: openStore(t)}
	m := New(h)
	defer m.Close()
	m.WebhookDelivery("x", OutcomeAccepted)
	fams := scrape(t, m.Handler())
	help := func(name string) string {
		t.Helper()
		f, ok := fams[name]
		if !ok {
			t.Fatalf("/metrics has no %s", name)
		}
		return f.GetHelp()
	}
	deliveries := help("cxhub_webhook_deliveries_total")
	for _, o := range []string{OutcomeAccepted, OutcomeDuplicate, OutcomeRejected, OutcomeUnknownConnection, OutcomeError} {
		if !strings.Contains(deliveries, o) {
			t.Errorf("the help of cxhub_webhook_deliveries_total, %q, does not name outcome %s", deliveries, o)
		}
	}
	alerts := alertsFiringDesc.String()
	for _, k := range alertKinds {
		if !strings.Contains(alerts, k) {
			t.Errorf("the help of cxhub_alerts_firing does not name kind %s", k)
		}
	}
	if read := help("cxhub_records_read_total"); !strings.Contains(read, "a replay reads none") {
		t.Errorf("the help of cxhub_records_read_total, %q, does not say a replay reads none", read)
	}
}
