package webhook

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// HeaderValue returns the first value of the header name, which a delivery
// must carry: a missing or empty header is an [sdk.AuthError] naming it.
// Names match without regard to case, even in a Header built by hand with
// keys that are not in canonical form.
func HeaderValue(h http.Header, name string) (string, error) {
	values := h.Values(name)
	if len(values) == 0 {
		for k, vs := range h {
			if strings.EqualFold(k, name) && len(vs) > 0 {
				values = vs
				break
			}
		}
	}
	if len(values) == 0 {
		return "", sdk.AuthError(fmt.Errorf("missing header %s", name))
	}
	if values[0] == "" {
		return "", sdk.AuthError(fmt.Errorf("empty header %s", name))
	}
	return values[0], nil
}
