package sdktest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// HeaderLines turns fuzzed text into request headers: one "Name: value"
// per line, names kept as written (not canonicalised), repeats kept, so
// that a webhook fuzz target can try any header a sender could send.
func HeaderLines(text string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(text, "\n") {
		name, value, _ := strings.Cut(line, ":")
		h[name] = append(h[name], strings.TrimPrefix(value, " "))
	}
	return h
}

// WantWebhookRefused fails t unless a delivery that is not correctly signed
// was refused as it must be: with an auth error, no records, and no secret
// value in the error's text.
func WantWebhookRefused(t testing.TB, resp sdk.WebhookResponse, err error, secrets ...string) {
	t.Helper()
	if err == nil || sdk.KindOf(err) != sdk.KindAuth {
		t.Fatalf("an unsigned delivery gave %d records, %v (kind %v); want an auth error", len(resp.Records), err, sdk.KindOf(err))
	}
	if len(resp.Records) != 0 {
		t.Fatalf("a refused delivery gave %d records", len(resp.Records))
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Fatalf("the error shows a secret: %v", err)
		}
	}
}
