package identity

import (
	"math/rand/v2"
	"path"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// parsePhone is NormalizePhone without its short cut.
func parsePhone(s, region string) string {
	num, err := phonenumbers.Parse(strings.TrimSpace(s), region)
	if err != nil || phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
		return ""
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

// TestPlainNANPAgreesWithParser checks NormalizePhone's short cut against
// the parser on the shapes it takes and on many it must leave to the
// parser: every value it gives is the parser's.
func TestPlainNANPAgreesWithParser(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 19))
	const seps = " -.()"
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	formats := []func(d string) string{
		func(d string) string { return d },
		func(d string) string { return "+" + d },
		func(d string) string { return "+1" + d },
		func(d string) string { return "1" + d },
		func(d string) string {
			if len(d) < 10 {
				return d
			}
			return "+1 (" + d[:3] + ") " + d[3:6] + "-" + d[6:]
		},
		func(d string) string {
			if len(d) < 10 {
				return d
			}
			return "(" + d[:3] + ") " + d[3:6] + "." + d[6:]
		},
		func(d string) string { // separators anywhere, even first
			var b strings.Builder
			for i := range len(d) {
				for rng.IntN(3) == 0 {
					b.WriteByte(seps[rng.IntN(len(seps))])
				}
				b.WriteByte(d[i])
			}
			if rng.IntN(4) == 0 {
				b.WriteByte(seps[rng.IntN(len(seps))])
			}
			return b.String()
		},
		func(d string) string {
			return "+" + strings.Repeat(string(seps[rng.IntN(len(seps))]), 1+rng.IntN(2)) + d
		},
	}
	taken := 0
	check := func(s, region string) {
		t.Helper()
		got, ok := plainNANP(strings.TrimSpace(s), region)
		if !ok {
			return
		}
		taken++
		if want := parsePhone(s, region); got != want {
			t.Fatalf("%q in %s: short cut %q, parser %q", s, region, got, want)
		}
	}
	for range 200_000 {
		d := digits(8 + rng.IntN(5))
		if rng.IntN(2) == 0 && len(d) >= 10 { // a valid-looking area code often
			d = string(byte('2'+rng.IntN(8))) + d[1:]
		}
		s := formats[rng.IntN(len(formats))](d)
		for _, region := range []string{"US", "GB", "CA", "FR"} {
			check(s, region)
		}
	}
	for _, s := range []string{"+1 (555) 010-0001", "5550100001", "555 010 0001", "+15550100001", "(555)010-0001",
		"+1.555.010.0001", "+1-555-010-0001", "2015550123", "9999999999", "+19999999999", "+1 999 999 9999 ", " 555-0100001"} {
		check(s, "US")
	}
	if taken < 30_000 {
		t.Fatalf("the short cut took only %d values: the test does not exercise it", taken)
	}
}

// BenchmarkNormalizePhone normalises the shapes of the synthetic data set.
func BenchmarkNormalizePhone(b *testing.B) {
	r := DefaultRules()
	for i := range b.N {
		if i%2 == 0 {
			_ = r.NormalizePhone("+1 (555) 123-4567")
		} else {
			_ = r.NormalizePhone("5551234567")
		}
	}
}

// TestNeverMatchesAsPathMatch checks refused's short cut against path.Match.
func TestNeverMatchesAsPathMatch(t *testing.T) {
	patterns := append(DefaultRules().NeverMatch, "*", "a*", "*@x.org", "a?b*", "[ab]*", `a\*`, "a]*", "ops/*", "x*y*", "")
	values := []string{"", "info@x.org", "info@", "info", "infos@x.org", "Info@x.org", "info@a/b", "a", "ab", "a*", `a\*`,
		"a]b", "ops/x", "ops/x/y", "+15550100001", "sales@x.org", "xy", "x/y", "support@help.org"}
	for _, p := range patterns {
		for _, v := range values {
			want, _ := path.Match(p, v)
			if got := neverMatches(p, v); got != want {
				t.Errorf("%q against %q: %t, path.Match %t", v, p, got, want)
			}
		}
	}
}
