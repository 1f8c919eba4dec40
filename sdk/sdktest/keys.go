package sdktest

import (
	"fmt"
	"strings"
)

// maxListed is how many keys a failure message lists before "… and N more".
const maxListed = 20

// counted is a key and how many times it came.
type counted struct {
	key string
	n   int
}

// keyDiff is how the keys a read returned differ from those it had to
// return, each exactly once.
type keyDiff struct {
	missing    []string  // wanted, never returned
	repeated   []counted // wanted, returned more than once
	unexpected []counted // not wanted, returned (n times)
}

// diffKeys compares got with want, where every wanted key must come
// exactly once and nothing else may come. Lists keep the order of want
// (missing) and of got (the others).
func diffKeys(want, got []string) keyDiff {
	wanted := make(map[string]bool, len(want))
	for _, k := range want {
		wanted[k] = true
	}
	counts := make(map[string]int, len(got))
	var order []string
	for _, k := range got {
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	var d keyDiff
	for _, k := range want {
		if counts[k] == 0 {
			d.missing = append(d.missing, k)
		}
	}
	for _, k := range order {
		switch n := counts[k]; {
		case !wanted[k]:
			d.unexpected = append(d.unexpected, counted{k, n})
		case n > 1:
			d.repeated = append(d.repeated, counted{k, n})
		}
	}
	return d
}

func (d keyDiff) ok() bool {
	return len(d.missing) == 0 && len(d.repeated) == 0 && len(d.unexpected) == 0
}

// String lists the differences: "missing [a]; repeated [b (×2)]; unexpected [c]".
func (d keyDiff) String() string {
	var parts []string
	if len(d.missing) > 0 {
		parts = append(parts, "missing "+listKeys(d.missing))
	}
	if len(d.repeated) > 0 {
		parts = append(parts, "repeated "+listCounted(d.repeated))
	}
	if len(d.unexpected) > 0 {
		parts = append(parts, "unexpected "+listCounted(d.unexpected))
	}
	return strings.Join(parts, "; ")
}

// exactKeysMessage is the failure message of a read that had to return
// exactly want: "<what>: want exactly 3 keys [a b c]; missing [b]".
func exactKeysMessage(what string, want []string, d keyDiff) string {
	return fmt.Sprintf("%s: want exactly %d keys %s; %s", what, len(want), listKeys(want), d)
}

// listKeys formats keys as "[a b c]", cut after maxListed.
func listKeys(keys []string) string {
	shown := keys[:min(len(keys), maxListed)]
	s := "[" + strings.Join(shown, " ")
	if more := len(keys) - len(shown); more > 0 {
		s += fmt.Sprintf(" … and %d more", more)
	}
	return s + "]"
}

// listCounted formats counted keys as "[a (×2) b]".
func listCounted(keys []counted) string {
	names := make([]string, len(keys))
	for i, c := range keys {
		names[i] = c.key
		if c.n > 1 {
			names[i] += fmt.Sprintf(" (×%d)", c.n)
		}
	}
	return listKeys(names)
}

// duplicates returns the keys that occur more than once, in order of their
// second occurrence.
func duplicates(keys []string) []string {
	seen := make(map[string]int, len(keys))
	var dups []string
	for _, k := range keys {
		seen[k]++
		if seen[k] == 2 {
			dups = append(dups, k)
		}
	}
	return dups
}
