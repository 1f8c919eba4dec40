package sdk

import (
	"errors"
	"io"
	"testing"
)

func TestRecordError(t *testing.T) {
	tests := []struct {
		rec  Record
		err  error
		want string
	}{
		{Record{Stream: "contacts", Key: "42"}, errors.New("email is not an address"), "contacts record 42: email is not an address"},
		{Record{Stream: "contacts"}, errors.New("no email"), "contacts record (no key): no email"},
	}
	for _, tt := range tests {
		err := RecordError(tt.rec, tt.err)
		if err == nil || err.Error() != tt.want {
			t.Errorf("RecordError = %v, want %q", err, tt.want)
		}
		if KindOf(err) != KindBadRecord {
			t.Errorf("kind = %v, want bad_record", KindOf(err))
		}
		if !errors.Is(err, tt.err) {
			t.Errorf("%v does not wrap its cause", err)
		}
	}
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
