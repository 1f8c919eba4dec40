package sdk

import (
	"errors"
	"fmt"
	"time"
)

// ErrorKind tells the core what to do about a failure.
type ErrorKind int8

const (
	// KindUnknown is a failure that said nothing of its kind. The core
	// treats it as transient: it retries, then dead-letters.
	KindUnknown ErrorKind = iota
	// KindTransient is worth retrying as is: a 5xx, a timeout, a reset.
	KindTransient
	// KindRateLimited is worth retrying after a wait (see RetryAfter).
	KindRateLimited
	// KindBadRecord will fail again the same way: the record goes to the
	// dead letters and the run goes on.
	KindBadRecord
	// KindConfig means the connection's configuration is wrong: the run stops.
	KindConfig
	// KindAuth means the credentials were refused: the run stops.
	KindAuth
	// KindConnectorBug means the connector broke the protocol's contract
	// (a Write that returned a different number of results than it was
	// given records, say): a bug in the connector, which no retry fixes.
	// The run stops at once. The SDK raises it; a connector has no reason to.
	KindConnectorBug
)

var kindNames = [...]string{"unknown", "transient", "rate_limited", "bad_record", "config", "auth", "connector_bug"}

// String returns the kind's name as used in logs, the CLI and the state file.
func (k ErrorKind) String() string {
	if int(k) < len(kindNames) && k >= 0 {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int8(k))
}

// ErrorKinds returns the names of every error kind, in order: the reasons
// a dead letter can have.
func ErrorKinds() []string {
	return append([]string(nil), kindNames[:]...)
}

// ParseErrorKind is the inverse of ErrorKind.String; unknown names give KindUnknown.
func ParseErrorKind(s string) ErrorKind {
	for i, n := range kindNames {
		if n == s {
			return ErrorKind(i)
		}
	}
	return KindUnknown
}

// Retryable reports whether the core retries failures of this kind.
func (k ErrorKind) Retryable() bool {
	return k == KindUnknown || k == KindTransient || k == KindRateLimited
}

// Error is an error with a kind. Build one with Transient, RateLimited,
// BadRecord, ConfigError or AuthError; read one with KindOf and RetryAfterOf.
type Error struct {
	Kind ErrorKind
	// RetryAfter is how long the system asked to wait, for KindRateLimited; zero if it did not say.
	RetryAfter time.Duration
	Err        error
}

// Error returns the wrapped error's message.
func (e *Error) Error() string {
	if e.Err == nil {
		return e.Kind.String()
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

func withKind(kind ErrorKind, err error, after time.Duration) error {
	if err == nil {
		return nil
	}
	return &Error{Kind: kind, RetryAfter: after, Err: err}
}

// Transient marks err as worth retrying as is. A nil err stays nil.
func Transient(err error) error { return withKind(KindTransient, err, 0) }

// RateLimited marks err as a refusal for too many requests; after is how long
// the system asked to wait (zero if it did not say). A nil err stays nil.
func RateLimited(err error, after time.Duration) error {
	return withKind(KindRateLimited, err, after)
}

// BadRecord marks err as a problem with the record itself. A nil err stays nil.
func BadRecord(err error) error { return withKind(KindBadRecord, err, 0) }

// ConfigError marks err as a problem with the connection's configuration. A nil err stays nil.
func ConfigError(err error) error { return withKind(KindConfig, err, 0) }

// AuthError marks err as refused credentials. A nil err stays nil.
func AuthError(err error) error { return withKind(KindAuth, err, 0) }

// KindOf returns the kind of the outermost *Error in err's chain, or
// KindUnknown if there is none. A nil err has KindUnknown.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindUnknown
}

// RetryAfterOf returns the wait a rate-limited err asked for, or zero.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// resultCountBug is the error for a Write that answered n records with got
// results: the connector broke the contract, and no retry would help.
func resultCountBug(connector string, got, n int) error {
	return withKind(KindConnectorBug, fmt.Errorf(
		"connector bug: %s returned %d results for a batch of %d records (Write must return one result per record, in order); "+
			"not retried: report it to the connector's maintainer", connector, got, n), 0)
}
