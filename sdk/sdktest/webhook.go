package sdktest

import (
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

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
