package httpx

import "strings"

// findLink returns the target of the first link with relation rel in Link
// header values (RFC 8288): `<https://x/orders.json?page_info=a>; rel="next",
// <...>; rel="previous"`. Relations compare without regard to case; a link
// may list several, separated by spaces.
func findLink(values []string, rel string) (string, bool) {
	for _, v := range values {
		for rest := v; ; {
			target, params, more, ok := nextLink(rest)
			if !ok {
				break
			}
			for _, r := range strings.Fields(linkParam(params, "rel")) {
				if strings.EqualFold(r, rel) {
					return target, true
				}
			}
			rest = more
		}
	}
	return "", false
}

// nextLink splits off the first link-value of s: its target, its parameters
// (the text after the target, up to the comma that ends the link-value,
// quoted commas skipped) and what follows.
func nextLink(s string) (target, params, rest string, ok bool) {
	open := strings.IndexByte(s, '<')
	if open < 0 {
		return "", "", "", false
	}
	end := strings.IndexByte(s[open:], '>')
	if end < 0 {
		return "", "", "", false
	}
	target = strings.TrimSpace(s[open+1 : open+end])
	s = s[open+end+1:]
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return target, s[:i], s[i+1:], true
		}
	}
	return target, s, "", true
}

// linkParam returns the value of parameter name in a link-value's
// parameters (`; rel="next"; title=x`), unquoted; "" if absent.
func linkParam(params, name string) string {
	s := params
	for {
		s = strings.TrimLeft(s, " \t;")
		i := strings.IndexAny(s, "=;")
		if i < 0 {
			return "" // the end, or a last parameter without a value
		}
		key := strings.TrimSpace(s[:i])
		if s[i] == ';' {
			s = s[i:] // a parameter without a value
			continue
		}
		s = strings.TrimLeft(s[i+1:], " \t")
		var value string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			j := 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			value, s = b.String(), s[min(j+1, len(s)):]
		} else {
			value, s, _ = strings.Cut(s, ";")
			value = strings.TrimSpace(value)
		}
		if strings.EqualFold(key, name) {
			return value
		}
	}
}
