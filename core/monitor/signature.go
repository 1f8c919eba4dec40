package monitor

import (
	"net/http"
	"time"

	"github.com/cxhub/cxhub/sdk/webhook"
)

// The headers of an alert notification.
const (
	// HeaderSignature carries "sha256=" and the lower-case hex HMAC-SHA256,
	// keyed with the receiver's secret, of the timestamp header's value, a
	// dot, and the raw body: HMAC(secret, timestamp + "." + body).
	HeaderSignature = "X-Cxhub-Signature"
	// HeaderTimestamp is when the POST was signed, in Unix seconds.
	HeaderTimestamp = "X-Cxhub-Timestamp"
	// HeaderDelivery identifies the notification: "<alert id>.<status>".
	// A notification may arrive more than once (delivery is at least
	// once); a receiver that must not act twice keeps the ids it handled.
	HeaderDelivery = "X-Cxhub-Delivery"
)

// SignatureTolerance is how far from the receiver's clock Verify accepts a
// notification's timestamp, in the past (a replay) or the future (skew).
const SignatureTolerance = 5 * time.Minute

// signer is the notification signature's recipe.
func signer(secret string) webhook.Signer {
	return webhook.Signer{Secret: []byte(secret), Encoding: webhook.Hex, Prefix: "sha256="}
}

// Sign returns the X-Cxhub-Signature value of a notification with body,
// signed at timestamp (the X-Cxhub-Timestamp value, Unix seconds).
func Sign(secret, timestamp string, body []byte) string {
	return signer(secret).Sign([]byte(timestamp), []byte("."), body)
}

// Verify checks a notification as a receiver gets it: the raw body, the
// request's headers, and the receiver's clock. It returns nil if the
// signature is the one the secret gives for the timestamp and body, and
// the timestamp is within SignatureTolerance of now; otherwise an error
// (an sdk auth error) that says what is wrong without echoing the secret.
func Verify(secret string, header http.Header, body []byte, now time.Time) error {
	ts, err := webhook.HeaderValue(header, HeaderTimestamp)
	if err != nil {
		return err
	}
	at, err := webhook.ParseUnixSeconds(ts)
	if err != nil {
		return err
	}
	sig, err := webhook.HeaderValue(header, HeaderSignature)
	if err != nil {
		return err
	}
	if err := signer(secret).Verify(sig, []byte(ts), []byte("."), body); err != nil {
		return err
	}
	return webhook.CheckTimestamp(at, now, SignatureTolerance)
}
