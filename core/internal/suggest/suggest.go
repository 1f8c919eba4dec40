// Package suggest words the "did you mean" hints of cxhub's error
// messages: the known name closest to a mistyped one, and the
// parenthesis that lists the known names after it.
package suggest

import (
	"strconv"
	"strings"
)

// Closest returns the candidate closest to s if it is close enough to be
// a likely typo (a few edits away ignoring case, or a prefix), else "".
func Closest(s string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		if c == s {
			continue
		}
		ls, lc := strings.ToLower(s), strings.ToLower(c)
		d := editDistance(ls, lc)
		limit := min(2, max(1, len([]rune(c))/3))
		if d > limit && !prefixOf(ls, lc) {
			continue
		}
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// prefixOf reports whether the shorter of a and b, at least 3 long, starts
// the other ("warning" and "warn").
func prefixOf(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) >= 3 && strings.HasPrefix(b, a)
}

// editDistance is the optimal string alignment distance between a and b,
// counted in runes: the Levenshtein distance, with two adjacent letters
// swapped ("form" for "from", "macth" for "match") counted as one edit, as
// a typist makes it.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Hint words the parenthesis after an unknown name: a did-you-mean
// when one of known is close to name, then the list, as in
// `(did you mean "crm"? known: crm, files)`. listName introduces the list
// ("known", "installed", "expected one of").
func Hint(name, listName string, known []string) string {
	var b strings.Builder
	b.WriteString("(")
	if s := Closest(name, known); s != "" {
		b.WriteString("did you mean " + strconv.Quote(s) + "? ")
	}
	b.WriteString(listName + ": ")
	if len(known) == 0 {
		b.WriteString("none")
	}
	b.WriteString(strings.Join(known, ", ") + ")")
	return b.String()
}
