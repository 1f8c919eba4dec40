package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"

	"github.com/cxhub/cxhub/sdk"
)

// Encoding is how a signature's bytes are written as text.
type Encoding int

const (
	// Base64 is standard base64 with padding (RFC 4648 section 4), as
	// HubSpot, Zendesk, Shopify and Typeform send it.
	Base64 Encoding = iota
	// Hex is hexadecimal; Sign writes lower case, Verify accepts either case.
	Hex
)

// String returns the encoding's name: "base64" or "hex".
func (e Encoding) String() string {
	switch e {
	case Base64:
		return "base64"
	case Hex:
		return "hex"
	}
	return fmt.Sprintf("encoding(%d)", int(e))
}

// The causes a failed Verify wraps, inside an [sdk.AuthError]; test for them
// with errors.Is.
var (
	// ErrSignatureMismatch is a well-formed signature that is not the one
	// the secret gives for the delivery: a wrong secret or a changed body.
	ErrSignatureMismatch = errors.New("webhook signature does not match")
	// ErrSignatureMalformed is a signature that is empty, lacks the
	// Signer's prefix, or is not in the Signer's encoding.
	ErrSignatureMalformed = errors.New("webhook signature is malformed")
)

// Signer computes and checks HMAC signatures of webhook deliveries. The zero
// value of every field but Secret is a sensible default: HMAC-SHA256, base64,
// no prefix. A Signer holds no state and is safe for concurrent use.
type Signer struct {
	// Secret is the key shared with the vendor. Verify refuses to work
	// with an empty one, since anyone could sign with it.
	Secret []byte
	// Hash builds the HMAC's hash: sha256.New when nil, or sha1.New, etc.
	Hash func() hash.Hash
	// Encoding is how the signature's bytes are written.
	Encoding Encoding
	// Prefix comes before the encoded bytes, e.g. "sha256=". Sign adds
	// it; Verify requires it, exactly, and strips it.
	Prefix string
}

// Sign returns the HMAC of the concatenation of parts, encoded, after the
// Prefix. It panics if Encoding is neither Base64 nor Hex: that is a mistake
// in the connector's code, not in a delivery.
func (s Signer) Sign(parts ...[]byte) string {
	mac := s.mac(parts)
	switch s.Encoding {
	case Base64:
		return s.Prefix + base64.StdEncoding.EncodeToString(mac)
	case Hex:
		return s.Prefix + hex.EncodeToString(mac)
	}
	panic(fmt.Sprintf("webhook: signer has unknown %v", s.Encoding))
}

// Verify checks that signature is the one Sign gives for parts, comparing
// the decoded bytes in constant time. It returns nil, or an [sdk.AuthError]
// wrapping [ErrSignatureMalformed] or [ErrSignatureMismatch]. A Signer with
// an empty Secret or an unknown Encoding gives an [sdk.ConfigError] instead:
// the connection, not the delivery, is at fault.
//
// Pass the parts exactly as the vendor signed them: the raw body as
// received, and header values as sent, not re-formatted.
func (s Signer) Verify(signature string, parts ...[]byte) error {
	if len(s.Secret) == 0 {
		return sdk.ConfigError(errors.New("verifying webhook signature: the secret is empty"))
	}
	if s.Encoding != Base64 && s.Encoding != Hex {
		return sdk.ConfigError(fmt.Errorf("verifying webhook signature: unknown %v", s.Encoding))
	}
	got, err := s.decode(signature)
	if err != nil {
		return sdk.AuthError(err)
	}
	if !hmac.Equal(got, s.mac(parts)) {
		return sdk.AuthError(ErrSignatureMismatch)
	}
	return nil
}

// decode strips the prefix and decodes the rest. Its errors name what is
// wrong with the signature but never echo it.
func (s Signer) decode(signature string) ([]byte, error) {
	if signature == "" {
		return nil, fmt.Errorf("%w: empty", ErrSignatureMalformed)
	}
	encoded, ok := strings.CutPrefix(signature, s.Prefix)
	if !ok {
		return nil, fmt.Errorf("%w: want prefix %q", ErrSignatureMalformed, s.Prefix)
	}
	if encoded == "" {
		return nil, fmt.Errorf("%w: nothing after the prefix", ErrSignatureMalformed)
	}
	var (
		b   []byte
		err error
	)
	if s.Encoding == Hex {
		b, err = hex.DecodeString(encoded)
	} else {
		b, err = base64.StdEncoding.DecodeString(encoded)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: not %v", ErrSignatureMalformed, s.Encoding)
	}
	return b, nil
}

// mac is the HMAC of the concatenation of parts.
func (s Signer) mac(parts [][]byte) []byte {
	h := s.Hash
	if h == nil {
		h = sha256.New
	}
	m := hmac.New(h, s.Secret)
	for _, p := range parts {
		m.Write(p) // a hash.Hash never returns an error
	}
	return m.Sum(nil)
}
