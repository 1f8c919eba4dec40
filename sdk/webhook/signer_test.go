package webhook

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"testing"

	"github.com/cxhub/cxhub/sdk"
)

// Known answers from RFC 4231 (HMAC-SHA256) and RFC 2202 (HMAC-SHA1), test
// case 2 of each: key "Jefe", data "what do ya want for nothing?".
const (
	rfcKey        = "Jefe"
	rfcData       = "what do ya want for nothing?"
	rfcSHA256Hex  = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	rfcSHA1Hex    = "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
	testSecret    = "s3cret-never-shown"
	testBody      = `{"id":42,"email":"a@x.com"}`
	testTimestamp = "1714557600000"
)

// hashCase is one HMAC hash with its known answer.
type hashCase struct {
	name   string
	hash   func() hash.Hash
	rfcHex string
}

var hashCases = []hashCase{
	{"sha256", sha256.New, rfcSHA256Hex},
	{"sha256 by default", nil, rfcSHA256Hex},
	{"sha1", sha1.New, rfcSHA1Hex},
}

var encodings = []Encoding{Base64, Hex}

var prefixes = []string{"", "sha256="}

// eachSigner calls f with a Signer for every hash × encoding × prefix.
func eachSigner(t *testing.T, secret string, f func(t *testing.T, s Signer, hc hashCase)) {
	for _, hc := range hashCases {
		for _, enc := range encodings {
			for _, prefix := range prefixes {
				s := Signer{Secret: []byte(secret), Hash: hc.hash, Encoding: enc, Prefix: prefix}
				t.Run(fmt.Sprintf("%s/%v/prefix=%q", hc.name, enc, prefix), func(t *testing.T) { f(t, s, hc) })
			}
		}
	}
}

func TestSignKnownAnswers(t *testing.T) {
	eachSigner(t, rfcKey, func(t *testing.T, s Signer, hc hashCase) {
		raw, err := hex.DecodeString(hc.rfcHex)
		if err != nil {
			t.Fatal(err)
		}
		want := s.Prefix + hc.rfcHex
		if s.Encoding == Base64 {
			want = s.Prefix + base64.StdEncoding.EncodeToString(raw)
		}
		if got := s.Sign([]byte(rfcData)); got != want {
			t.Errorf("Sign(one part) = %q, want %q", got, want)
		}
		// The parts are concatenated, wherever they are cut.
		if got := s.Sign([]byte("what do ya "), nil, []byte("want for"), []byte(" nothing?")); got != want {
			t.Errorf("Sign(several parts) = %q, want %q", got, want)
		}
	})
}

func TestVerify(t *testing.T) {
	body := []byte(testBody)
	ts := []byte(testTimestamp)
	eachSigner(t, testSecret, func(t *testing.T, s Signer, _ hashCase) {
		good := s.Sign(ts, body)
		encoded := strings.TrimPrefix(good, s.Prefix)
		other := s
		other.Encoding = 1 - s.Encoding
		wrongSecret := s
		wrongSecret.Secret = []byte("another-secret")

		// A base64 HMAC always ends in "=", which is not hex; hex is
		// valid base64 and decodes to bytes of the wrong length.
		wrongEncoding := ErrSignatureMismatch
		if s.Encoding == Hex {
			wrongEncoding = ErrSignatureMalformed
		}
		// Upper-cased hex is the same signature; upper-cased base64 is another.
		var upper error = ErrSignatureMismatch
		if s.Encoding == Hex {
			upper = nil
		}
		missingPrefix := error(nil)
		if s.Prefix != "" {
			missingPrefix = ErrSignatureMalformed
		}

		tests := []struct {
			name  string
			sig   string
			parts [][]byte
			want  error // nil, ErrSignatureMismatch or ErrSignatureMalformed
		}{
			{"valid", good, [][]byte{ts, body}, nil},
			{"valid, parts cut elsewhere", good, [][]byte{slices.Concat(ts, body[:3]), body[3:]}, nil},
			{"tampered body", good, [][]byte{ts, []byte(strings.Replace(testBody, "42", "43", 1))}, ErrSignatureMismatch},
			{"tampered timestamp", good, [][]byte{[]byte("1714557600001"), body}, ErrSignatureMismatch},
			{"parts swapped", good, [][]byte{body, ts}, ErrSignatureMismatch},
			{"no parts", good, nil, ErrSignatureMismatch},
			{"wrong secret", wrongSecret.Sign(ts, body), [][]byte{ts, body}, ErrSignatureMismatch},
			{"wrong encoding", other.Sign(ts, body), [][]byte{ts, body}, wrongEncoding},
			{"upper case", s.Prefix + strings.ToUpper(encoded), [][]byte{ts, body}, upper},
			{"truncated by one character", good[:len(good)-1], [][]byte{ts, body}, ErrSignatureMalformed},
			{"truncated by four characters", good[:len(good)-4], [][]byte{ts, body}, ErrSignatureMismatch},
			{"one byte more", s.Prefix + reencode(s.Encoding, encoded, []byte{0}), [][]byte{ts, body}, ErrSignatureMismatch},
			{"one bit flipped", s.Prefix + flipBit(s.Encoding, encoded), [][]byte{ts, body}, ErrSignatureMismatch},
			{"empty", "", [][]byte{ts, body}, ErrSignatureMalformed},
			{"prefix only", s.Prefix, [][]byte{ts, body}, ErrSignatureMalformed},
			{"without prefix", encoded, [][]byte{ts, body}, missingPrefix},
			{"space inside", s.Prefix + encoded[:4] + " " + encoded[4:], [][]byte{ts, body}, ErrSignatureMalformed},
			{"garbage", s.Prefix + "!!not a signature!!", [][]byte{ts, body}, ErrSignatureMalformed},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := s.Verify(tt.sig, tt.parts...)
				if tt.want == nil {
					if err != nil {
						t.Fatalf("Verify = %v, want nil", err)
					}
					return
				}
				if !errors.Is(err, tt.want) {
					t.Fatalf("Verify = %v, want %v", err, tt.want)
				}
				if k := sdk.KindOf(err); k != sdk.KindAuth {
					t.Errorf("KindOf(Verify) = %v, want auth", k)
				}
				assertNoSecrets(t, err, s, good)
			})
		}
	})
}

// reencode returns encoded with extra bytes appended to what it decodes to.
func reencode(enc Encoding, encoded string, extra []byte) string {
	if enc == Hex {
		b, _ := hex.DecodeString(encoded)
		return hex.EncodeToString(append(b, extra...))
	}
	b, _ := base64.StdEncoding.DecodeString(encoded)
	return base64.StdEncoding.EncodeToString(append(b, extra...))
}

// flipBit returns encoded with the lowest bit of its first byte flipped.
func flipBit(enc Encoding, encoded string) string {
	if enc == Hex {
		b, _ := hex.DecodeString(encoded)
		b[0] ^= 1
		return hex.EncodeToString(b)
	}
	b, _ := base64.StdEncoding.DecodeString(encoded)
	b[0] ^= 1
	return base64.StdEncoding.EncodeToString(b)
}

// assertNoSecrets fails if err's message holds the secret or the expected
// signature in any encoding.
func assertNoSecrets(t *testing.T, err error, s Signer, expected string) {
	t.Helper()
	msg := err.Error()
	raw := s.mac([][]byte{[]byte(testTimestamp), []byte(testBody)})
	for _, secret := range []string{
		string(s.Secret),
		expected,
		strings.TrimPrefix(expected, s.Prefix),
		hex.EncodeToString(raw),
		strings.ToUpper(hex.EncodeToString(raw)),
		base64.StdEncoding.EncodeToString(raw),
		string(raw),
	} {
		if strings.Contains(msg, secret) {
			t.Errorf("error %q reveals %q", msg, secret)
		}
	}
}

func TestVerifyMisconfiguredSigner(t *testing.T) {
	body := []byte(testBody)
	good := Signer{Secret: []byte(testSecret)}.Sign(body)
	tests := []struct {
		name   string
		signer Signer
		want   string
	}{
		{"nil secret", Signer{}, "secret is empty"},
		{"empty secret", Signer{Secret: []byte{}}, "secret is empty"},
		{"unknown encoding", Signer{Secret: []byte(testSecret), Encoding: 7}, "unknown encoding(7)"},
		{"negative encoding", Signer{Secret: []byte(testSecret), Encoding: -1}, "unknown encoding(-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.signer.Verify(good, body)
			if k := sdk.KindOf(err); k != sdk.KindConfig {
				t.Fatalf("KindOf(Verify) = %v (%v), want config", k, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Verify = %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestSignUnknownEncodingPanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("Sign with an unknown encoding did not panic")
		}
		if msg := fmt.Sprint(r); strings.Contains(msg, testSecret) {
			t.Errorf("panic %q reveals the secret", msg)
		}
	}()
	Signer{Secret: []byte(testSecret), Encoding: 2}.Sign([]byte(testBody))
}

func TestEncodingString(t *testing.T) {
	tests := []struct {
		enc  Encoding
		want string
	}{
		{Base64, "base64"},
		{Hex, "hex"},
		{5, "encoding(5)"},
	}
	for _, tt := range tests {
		if got := tt.enc.String(); got != tt.want {
			t.Errorf("Encoding(%d).String() = %q, want %q", int(tt.enc), got, tt.want)
		}
	}
}
