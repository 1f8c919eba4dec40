package config

import (
	"strings"

	"github.com/cxhub/cxhub/core/internal/suggest"
)

// didYouMean returns the candidate closest to s if it is close enough to be
// a likely typo, else "" (see suggest.Closest).
func didYouMean(s string, candidates []string) string { return suggest.Closest(s, candidates) }

// listHint words the parenthesis after an unknown name (see suggest.Hint).
func listHint(name, listName string, known []string) string {
	return suggest.Hint(name, listName, known)
}

// alternatives joins words as "a, b or c".
func alternatives(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
