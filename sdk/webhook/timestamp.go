package webhook

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

// ErrTimestampOutOfTolerance is the cause, inside an [sdk.AuthError], of a
// delivery whose timestamp is too old or too far in the future.
var ErrTimestampOutOfTolerance = errors.New("webhook timestamp is out of tolerance")

// CheckTimestamp refuses a delivery signed at time at when it is more than
// tolerance away from now, in the past (a replay of an old delivery) or in
// the future (a forged or badly skewed clock). A difference of exactly
// tolerance passes. The error is an [sdk.AuthError] wrapping
// [ErrTimestampOutOfTolerance] that names the age and the tolerance; a
// negative tolerance is an [sdk.ConfigError].
//
// The timestamp must be one the signature covers, or it proves nothing.
func CheckTimestamp(at, now time.Time, tolerance time.Duration) error {
	if tolerance < 0 {
		return sdk.ConfigError(fmt.Errorf("checking webhook timestamp: negative tolerance %v", tolerance))
	}
	// Each Sub runs in the direction that gives a non-negative result, so
	// that a far-off time saturates at the largest Duration instead of
	// overflowing when negated.
	if at.After(now) {
		if ahead := at.Sub(now); ahead > tolerance {
			return sdk.AuthError(fmt.Errorf("%w: %v in the future, tolerance %v", ErrTimestampOutOfTolerance, ahead, tolerance))
		}
		return nil
	}
	if age := now.Sub(at); age > tolerance {
		return sdk.AuthError(fmt.Errorf("%w: %v old, tolerance %v", ErrTimestampOutOfTolerance, age, tolerance))
	}
	return nil
}

// ParseUnixMillis parses a count of milliseconds since the Unix epoch, such
// as HubSpot's X-HubSpot-Request-Timestamp. Only decimal digits are accepted.
// A bad value is an [sdk.AuthError]: the delivery cannot be verified.
func ParseUnixMillis(s string) (time.Time, error) {
	n, err := parseUnixCount(s)
	if err != nil {
		return time.Time{}, sdk.AuthError(fmt.Errorf("parsing webhook timestamp %.40q as Unix milliseconds: %w", s, err))
	}
	return time.UnixMilli(n).UTC(), nil
}

// ParseUnixSeconds parses a count of seconds since the Unix epoch. Only
// decimal digits are accepted. A bad value is an [sdk.AuthError].
func ParseUnixSeconds(s string) (time.Time, error) {
	n, err := parseUnixCount(s)
	if err != nil {
		return time.Time{}, sdk.AuthError(fmt.Errorf("parsing webhook timestamp %.40q as Unix seconds: %w", s, err))
	}
	return time.Unix(n, 0).UTC(), nil
}

// parseUnixCount parses a non-negative decimal int64, without sign or spaces.
func parseUnixCount(s string) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("want decimal digits only")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) {
			err = ne.Err // the value is already in our message
		}
		return 0, err
	}
	return n, nil
}

// ParseTime parses an RFC 3339 time, with or without fractional seconds,
// such as Zendesk's X-Zendesk-Webhook-Signature-Timestamp
// ("2024-05-01T10:00:00Z"). The ISO 8601 offset without a colon
// ("+0000") is accepted too. A bad value is an [sdk.AuthError].
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, sdk.AuthError(fmt.Errorf("parsing webhook timestamp %.40q: want RFC 3339 such as 2024-05-01T10:00:00Z", s))
}
