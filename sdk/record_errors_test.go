package sdk

import (
	"errors"
	"io"
	"testing"
)

// TestRecordError: the message names the record's stream and key (or
// "(no key)"), the kind is bad record, and the cause stays in the chain.
func TestRecordError(t *testing.T) {
	cause := errors.New("email is not an address")
	check := func(rec Record, want string) {
		t.Helper()
		err := RecordError(rec, cause)
		if err == nil || err.Error() != want || KindOf(err) != KindBadRecord || !errors.Is(err, cause) {
			t.Errorf("RecordError = %v (kind %v), want a bad record %q wrapping its cause", err, KindOf(err), want)
		}
	}
	check(Record{Stream: "contacts", Key: "42"}, "contacts record 42: email is not an address")
	check(Record{Stream: "contacts"}, "contacts record (no key): email is not an address")
	if err := RecordError(Record{Key: "1"}, nil); err != nil {
		t.Errorf("RecordError(nil) = %v, want nil", err)
	}
}

func TestRecordErrorf(t *testing.T) {
	err := RecordErrorf(Record{Stream: "tickets", Key: "t-1"}, "read %s: %w", "body", io.ErrUnexpectedEOF)
	if want := "tickets record t-1: read body: unexpected EOF"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if KindOf(err) != KindBadRecord || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v: kind %v, want a bad record wrapping its cause", err, KindOf(err))
	}
}

func TestRecordName(t *testing.T) {
	if got := RecordName(Record{Key: "k"}); got != "k" {
		t.Errorf("RecordName = %q", got)
	}
	if got := RecordName(Record{}); got != "(no key)" {
		t.Errorf("RecordName of no key = %q", got)
	}
}
