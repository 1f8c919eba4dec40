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
// value that cannot be a phone number.
func (r Rules) NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	region := r.DefaultRegion
	if region == "" {
		region = "US"
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return ""
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}
