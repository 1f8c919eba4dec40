package webhook

import (
	"crypto/sha1"
	"errors"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// FuzzVerify checks that no signature string makes Verify panic, that every
// refusal is an AuthError that reveals nothing, and that what Sign gives
// verifies while a changed body does not. Seeds are in testdata/fuzz.
func FuzzVerify(f *testing.F) {
	signers := []Signer{
		{Secret: []byte(testSecret)},
		{Secret: []byte(testSecret), Encoding: Hex, Prefix: "sha256="},
		{Secret: []byte(testSecret), Hash: sha1.New, Prefix: "sha1="},
		{Secret: []byte(testSecret), Hash: sha1.New, Encoding: Hex},
	}
	f.Add("", []byte(testBody))
	f.Add(signers[0].Sign([]byte(testBody)), []byte(testBody))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		for _, s := range signers {
			good := s.Sign(body)
			if err := s.Verify(good, body); err != nil {
				t.Fatalf("Verify(Sign(body), body) = %v", err)
			}
			err := s.Verify(sig, body)
			if err == nil {
				// Whatever was accepted must not verify another body.
				if err := s.Verify(sig, append(body[:len(body):len(body)], 'x')); err == nil {
					t.Fatalf("signature %q verifies both a body and the body plus one byte", sig)
				}
				continue
			}
			if k := sdk.KindOf(err); k != sdk.KindAuth {
				t.Fatalf("KindOf(Verify(%q)) = %v (%v), want auth", sig, k, err)
			}
			if !errors.Is(err, ErrSignatureMismatch) && !errors.Is(err, ErrSignatureMalformed) {
				t.Fatalf("Verify(%q) = %v, want a mismatch or malformed error", sig, err)
			}
			msg := err.Error()
			if strings.Contains(msg, testSecret) || strings.Contains(msg, strings.TrimPrefix(good, s.Prefix)) {
				t.Fatalf("Verify(%q) = %q reveals the secret or the expected signature", sig, msg)
			}
		}
	})
}
