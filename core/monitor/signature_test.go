package monitor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
	"github.com/cxhub/cxhub/sdk/webhook"
)

// TestSignMatchesTheDocumentedRecipe computes the signature as a receiver
// in any language would, from docs/monitoring.md: "sha256=" + hex of
// HMAC-SHA256(secret, timestamp + "." + body).
func TestSignMatchesTheDocumentedRecipe(t *testing.T) {
	body := []byte(`{"id":1,"status":"firing"}`)
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte("1765000000." + string(body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := Sign(testSecret, "1765000000", body); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1765000000, 0)
	body := []byte(`{"id":1,"status":"firing"}`)
	signed := func(ts time.Time, secret string, body []byte) http.Header {
		h := http.Header{}
		s := strconv.FormatInt(ts.Unix(), 10)
		h.Set(HeaderTimestamp, s)
		h.Set(HeaderSignature, Sign(secret, s, body))
		return h
	}
	if err := Verify(testSecret, signed(now, testSecret, body), body, now.Add(time.Minute)); err != nil {
		t.Fatalf("a good notification did not verify: %v", err)
	}
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		cause  error
	}{
		{"wrong secret", signed(now, "another-secret", body), body, webhook.ErrSignatureMismatch},
		{"changed body", signed(now, testSecret, body), []byte(`{"id":1,"status":"resolved"}`), webhook.ErrSignatureMismatch},
		{"too old", signed(now.Add(-SignatureTolerance-time.Second), testSecret, body), body, webhook.ErrTimestampOutOfTolerance},
		{"from the future", signed(now.Add(SignatureTolerance+time.Second), testSecret, body), body, webhook.ErrTimestampOutOfTolerance},
		{"no signature", http.Header{HeaderTimestamp: {strconv.FormatInt(now.Unix(), 10)}}, body, nil},
		{"no timestamp", http.Header{HeaderSignature: {Sign(testSecret, "1", body)}}, body, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(testSecret, tt.header, tt.body, now)
			if err == nil {
				t.Fatal("verified")
			}
			if sdk.KindOf(err) != sdk.KindAuth {
				t.Errorf("kind %v, want auth: %v", sdk.KindOf(err), err)
			}
			if tt.cause != nil && !errors.Is(err, tt.cause) {
				t.Errorf("error %v, want %v", err, tt.cause)
			}
		})
	}
	// The timestamp is covered: moving it breaks the signature.
	h := signed(now, testSecret, body)
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix()+1, 10))
	if err := Verify(testSecret, h, body, now); !errors.Is(err, webhook.ErrSignatureMismatch) {
		t.Errorf("a moved timestamp: %v, want a mismatch", err)
	}
}
