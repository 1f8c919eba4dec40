package webhook

import (
	"fmt"

	"github.com/cxhub/cxhub/sdk"
)

// FetchError is the error of a call HandleWebhook makes to the vendor's
// API after the delivery verified (reading the object an event names, say).
// Credentials the API refuses there are the connection's fault, not the
// delivery's: an auth error would be answered 401 and logged as a bad
// signature, and most vendors drop a delivery answered 4xx. FetchError
// makes it transient instead — the vendor is asked to retry (the server
// answers 503) while the operator mends the credentials — with a message
// that says so. Other errors are returned as they are; nil stays nil.
func FetchError(err error) error {
	if err == nil || sdk.KindOf(err) != sdk.KindAuth {
		return err
	}
	// The outer kind is the one sdk.KindOf reads.
	return sdk.Transient(fmt.Errorf("the delivery verified, but the vendor's API refused the connection's credentials "+
		"while handling it (the vendor is asked to retry): %w", err))
}
