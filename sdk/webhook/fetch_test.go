package webhook

import (
	"errors"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// TestFetchErrorMakesRefusedCredentialsTransient: an auth error of a call
// made while handling a verified delivery becomes transient, saying why;
// other errors keep their kind.
func TestFetchErrorMakesRefusedCredentialsTransient(t *testing.T) {
	refused := sdk.AuthError(errors.New("401 Unauthorized"))
	got := FetchError(refused)
	if sdk.KindOf(got) != sdk.KindTransient || !strings.Contains(got.Error(), "refused the connection's credentials") ||
		!strings.Contains(got.Error(), "401 Unauthorized") {
		t.Errorf("FetchError(auth) = %v (kind %s), want a transient error saying the credentials were refused", got, sdk.KindOf(got))
	}
	for _, err := range []error{nil, sdk.BadRecord(errors.New("404")), sdk.Transient(errors.New("503"))} {
		if got := FetchError(err); got != err {
			t.Errorf("FetchError(%v) = %v, want it unchanged", err, got)
		}
	}
}
