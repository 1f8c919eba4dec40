package sdk

import "fmt"

// RecordName names a record in messages: its key, or "(no key)" for a
// record without one.
func RecordName(r Record) string {
	if r.Key == "" {
		return "(no key)"
	}
	return r.Key
}

// RecordError marks err as a problem with record r itself ([BadRecord]:
// the core dead-letters the record and the run goes on), and names the
// record in its message: "contacts record 42: <err>". err stays in the
// chain (errors.Is, errors.As). A nil err stays nil.
//
// Write returns it in the record's [Result] for input the connector or the
// vendor refuses (data that is not an object, a field of the wrong type,
// a value the vendor calls invalid), never for failures that retrying can
// cure.
func RecordError(r Record, err error) error {
	if err == nil {
		return nil
	}
	return BadRecord(fmt.Errorf("%s record %s: %w", r.Stream, RecordName(r), err))
}

// RecordErrorf is [RecordError] with a message formatted as by
// fmt.Errorf (%w wraps a cause).
func RecordErrorf(r Record, format string, args ...any) error {
	return RecordError(r, fmt.Errorf(format, args...))
}
