package identity

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalizeEmail trims and lower-cases an email, and with the rules' provider
// options drops plus tags and Gmail's dots. It returns "" for a value
// that is not an address.
func (r Rules) NormalizeEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t,;<>") {
		return ""
	}
	local, domain := s[:at], s[at+1:]
	if r.PlusTags {
		if i := strings.IndexByte(local, '+'); i > 0 {
			local = local[:i]
		}
	}
	if r.GmailDots && (domain == "gmail.com" || domain == "googlemail.com") {
		local, domain = strings.ReplaceAll(local, ".", ""), "gmail.com"
	}
	return local + "@" + domain
}

// NormalizePhone returns a phone number in E.164 (+15550100001), reading
// numbers without a country code in the rules' default region; "" for a
// value that cannot be a phone number, and for one that could only be
// dialled locally ("555-0100", no area code): it is no E.164 number, and
// people of different towns share it.
func (r Rules) NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	region := r.DefaultRegion
	if region == "" {
		region = "US"
	}
	if v, ok := plainNANP(s, region); ok {
		return v
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
		return ""
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

// plainNANP is NormalizePhone's short cut for the most common shape of
// number, which it reads without the parser's regular expressions: a
// North American number of ten digits whose area code does not start
// with 0 or 1, written with only digits and the separators " -.()", as
// "+1" and the ten digits, or as the ten digits alone when the region is
// US. Anything else (false) goes through the parser, which gives the same
// E.164 value for these shapes: "+1" and the ten digits
// (TestPlainNANPAgreesWithParser compares them).
func plainNANP(s, region string) (string, bool) {
	var buf [12]byte
	d := buf[:0]
	plus := s[0] == '+'
	if plus {
		s = s[1:]
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if len(d) == 11 {
				return "", false
			}
			d = append(d, c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	switch {
	case plus && len(d) == 11 && d[0] == '1' && d[1] >= '2':
		return "+" + string(d), true
	case !plus && region == "US" && len(d) == 10 && d[0] >= '2':
		return "+1" + string(d), true
	}
	return "", false
}
