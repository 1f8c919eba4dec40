package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cxhub/cxhub/sdk"
)

func TestCheckTimestamp(t *testing.T) {
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	const tol = 5 * time.Minute
	tests := []struct {
		name      string
		at        time.Time
		tolerance time.Duration
		wantKind  sdk.ErrorKind // KindUnknown for a nil error
		wantMsg   []string
	}{
		{"same instant", now, tol, sdk.KindUnknown, nil},
		{"a little old", now.Add(-time.Minute), tol, sdk.KindUnknown, nil},
		{"exactly at tolerance", now.Add(-tol), tol, sdk.KindUnknown, nil},
		{"just over tolerance", now.Add(-tol - time.Nanosecond), tol, sdk.KindAuth, []string{"5m0.000000001s old", "tolerance 5m0s"}},
		{"an hour old", now.Add(-time.Hour), tol, sdk.KindAuth, []string{"1h0m0s old", "tolerance 5m0s"}},
		{"a little in the future", now.Add(time.Minute), tol, sdk.KindUnknown, nil},
		{"future at tolerance", now.Add(tol), tol, sdk.KindUnknown, nil},
		{"future just over", now.Add(tol + time.Nanosecond), tol, sdk.KindAuth, []string{"5m0.000000001s in the future", "tolerance 5m0s"}},
		{"far future", time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC), tol, sdk.KindAuth, []string{"in the future"}},
		{"far past", time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC), tol, sdk.KindAuth, []string{"old"}},
		{"zero time", time.Time{}, tol, sdk.KindAuth, []string{"old"}},
		{"zero tolerance, same instant", now, 0, sdk.KindUnknown, nil},
		{"zero tolerance, 1ns off", now.Add(time.Nanosecond), 0, sdk.KindAuth, []string{"1ns in the future", "tolerance 0s"}},
		{"other time zone, same instant", now.In(time.FixedZone("CEST", 2*3600)), 0, sdk.KindUnknown, nil},
		{"negative tolerance", now, -time.Second, sdk.KindConfig, []string{"negative tolerance -1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckTimestamp(tt.at, now, tt.tolerance)
			if k := sdk.KindOf(err); k != tt.wantKind || (err == nil) != (tt.wantKind == sdk.KindUnknown) {
				t.Fatalf("CheckTimestamp = %v (kind %v), want kind %v", err, k, tt.wantKind)
			}
			if tt.wantKind == sdk.KindAuth && !errors.Is(err, ErrTimestampOutOfTolerance) {
				t.Errorf("CheckTimestamp = %v, want it to wrap ErrTimestampOutOfTolerance", err)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("CheckTimestamp = %q, want it to say %q", err, w)
				}
			}
		})
	}
}

// parseCase is one input of a timestamp parser; a zero want means an error.
type parseCase struct {
	in   string
	want time.Time
}

func testParser(t *testing.T, parse func(string) (time.Time, error), tests []parseCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parse(tt.in)
			if tt.want.IsZero() {
				if err == nil {
					t.Fatalf("parse(%q) = %v, want an error", tt.in, got)
				}
				if k := sdk.KindOf(err); k != sdk.KindAuth {
					t.Errorf("KindOf(parse(%q)) = %v, want auth", tt.in, k)
				}
				if len(err.Error()) > 200 {
					t.Errorf("parse(%q) error is %d bytes long: %q", tt.in, len(err.Error()), err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("parse(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

var (
	may1     = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	badInput = []parseCase{
		{in: ""}, {in: " 1714557600000"}, {in: "1714557600000 "}, {in: "-1714557600000"},
		{in: "+1714557600000"}, {in: "1714557600000.5"}, {in: "0x1F"}, {in: "1e12"},
		{in: "99999999999999999999"}, {in: strings.Repeat("9", 1000)}, {in: "2024-05-01T10:00:00Z"},
	}
)

func TestParseUnixMillis(t *testing.T) {
	testParser(t, ParseUnixMillis, append([]parseCase{
		{"1714557600000", may1},
		{"1714557600123", may1.Add(123 * time.Millisecond)},
		{"0", time.Unix(0, 0)},
		{"01714557600000", may1},
	}, badInput...))
}

func TestParseUnixSeconds(t *testing.T) {
	testParser(t, ParseUnixSeconds, append([]parseCase{
		{"1714557600", may1},
		{"0", time.Unix(0, 0)},
	}, badInput...))
}

func TestParseTime(t *testing.T) {
	testParser(t, ParseTime, []parseCase{
		{"2024-05-01T10:00:00Z", may1},
		{"2024-05-01T10:00:00.250Z", may1.Add(250 * time.Millisecond)},
		{"2024-05-01T12:00:00+02:00", may1},
		{"2024-05-01T10:00:00+0000", may1},
		{"2024-05-01T07:00:00.5-0300", may1.Add(500 * time.Millisecond)},
		{in: ""},
		{in: "2024-05-01 10:00:00Z"},
		{in: "2024-05-01T10:00:00"},
		{in: "2024-05-01"},
		{in: "1714557600"},
		{in: "2024-13-01T10:00:00Z"},
		{in: "2024-05-01T10:00:00Z trailing"},
		{in: strings.Repeat("2024", 300)},
	})
}

func TestParseErrorQuotesTruncatedValue(t *testing.T) {
	long := strings.Repeat("7", 30) + strings.Repeat("x", 100)
	_, err := ParseUnixMillis(long)
	if err == nil {
		t.Fatal("ParseUnixMillis(long garbage) = nil error")
	}
	if !strings.Contains(err.Error(), strings.Repeat("7", 30)) {
		t.Errorf("error %q does not show the start of the value", err)
	}
	if strings.Contains(err.Error(), strings.Repeat("x", 41)) {
		t.Errorf("error %q shows more than 40 characters of the value", err)
	}
}
