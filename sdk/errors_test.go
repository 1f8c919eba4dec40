package sdk

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// allKinds lists every ErrorKind.
var allKinds = []ErrorKind{KindUnknown, KindTransient, KindRateLimited, KindBadRecord, KindConfig, KindAuth, KindConnectorBug}

func TestErrorKindNames(t *testing.T) {
	want := map[ErrorKind]string{
		KindUnknown: "unknown", KindTransient: "transient", KindRateLimited: "rate_limited",
		KindBadRecord: "bad_record", KindConfig: "config", KindAuth: "auth", KindConnectorBug: "connector_bug",
	}
	for _, k := range allKinds {
		if got := k.String(); got != want[k] {
			t.Errorf("ErrorKind(%d).String() = %q, want %q", k, got, want[k])
		}
		if got := ParseErrorKind(k.String()); got != k {
			t.Errorf("ParseErrorKind(%q) = %v, want %v", k.String(), got, k)
		}
	}
	if got := ErrorKind(9).String(); got != "kind(9)" {
		t.Errorf("ErrorKind(9).String() = %q, want kind(9)", got)
	}
	if got := ErrorKind(-1).String(); got != "kind(-1)" {
		t.Errorf("ErrorKind(-1).String() = %q, want kind(-1)", got)
	}
	if got := ParseErrorKind("no such kind"); got != KindUnknown {
		t.Errorf("ParseErrorKind(unknown name) = %v, want KindUnknown", got)
	}
}

func TestErrorKindRetryable(t *testing.T) {
	want := map[ErrorKind]bool{
		KindUnknown: true, KindTransient: true, KindRateLimited: true,
		KindBadRecord: false, KindConfig: false, KindAuth: false, KindConnectorBug: false,
	}
	for _, k := range allKinds {
		if got := k.Retryable(); got != want[k] {
			t.Errorf("%s.Retryable() = %v, want %v", k, got, want[k])
		}
	}
}

func TestKindOfAndRetryAfterOf(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name  string
		err   error
		kind  ErrorKind
		after time.Duration
	}{
		{"nil", nil, KindUnknown, 0},
		{"plain", base, KindUnknown, 0},
		{"transient", Transient(base), KindTransient, 0},
		{"rate limited", RateLimited(base, 30*time.Second), KindRateLimited, 30 * time.Second},
		{"bad record", BadRecord(base), KindBadRecord, 0},
		{"config", ConfigError(base), KindConfig, 0},
		{"auth", AuthError(base), KindAuth, 0},
		{"wrapped once", fmt.Errorf("fetch page 2: %w", RateLimited(base, time.Minute)), KindRateLimited, time.Minute},
		{"wrapped twice", fmt.Errorf("sync: %w", fmt.Errorf("fetch: %w", AuthError(base))), KindAuth, 0},
		{"outermost kind wins", Transient(fmt.Errorf("retry: %w", BadRecord(base))), KindTransient, 0},
		{"in a join", errors.Join(base, ConfigError(base)), KindConfig, 0},
		{"%v does not wrap", fmt.Errorf("lost: %v", AuthError(base)), KindUnknown, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf(%v) = %s, want %s", tt.err, got, tt.kind)
			}
			if got := RetryAfterOf(tt.err); got != tt.after {
				t.Errorf("RetryAfterOf(%v) = %v, want %v", tt.err, got, tt.after)
			}
		})
	}
}

func TestErrorConstructors(t *testing.T) {
	base := errors.New("the vendor said no")
	constructors := map[ErrorKind]func(error) error{
		KindTransient:   Transient,
		KindRateLimited: func(err error) error { return RateLimited(err, time.Second) },
		KindBadRecord:   BadRecord,
		KindConfig:      ConfigError,
		KindAuth:        AuthError,
	}
	for kind, mark := range constructors {
		if err := mark(nil); err != nil {
			t.Errorf("%s(nil) = %v, want nil", kind, err)
		}
		err := mark(base)
		if err.Error() != base.Error() {
			t.Errorf("%s(err).Error() = %q, want the wrapped message %q", kind, err, base)
		}
		if !errors.Is(err, base) {
			t.Errorf("%s(err) does not unwrap to err", kind)
		}
	}
	if got := (&Error{Kind: KindAuth}).Error(); got != "auth" {
		t.Errorf("an Error without a cause says %q, want its kind %q", got, "auth")
	}
}

// A record failed with a nil error (a kind constructor passes nil through)
// still fails: it must not count as written.
func TestFailedWithANilErrorStillFails(t *testing.T) {
	for name, res := range map[string]Result{"Failed(nil)": Failed(nil), "Failed(Transient(nil))": Failed(Transient(nil))} {
		if res.Err == nil {
			t.Errorf("%s has no error: the record would pass for written", name)
		} else if !strings.Contains(res.Err.Error(), "sdk.Failed(nil)") {
			t.Errorf("%s: %v, want an error naming the bug", name, res.Err)
		}
	}
	if err := errors.New("x"); Failed(err).Err != err {
		t.Error("Failed(err) must keep err")
	}
}
