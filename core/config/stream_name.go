package config

import (
	"fmt"
	"strings"
	"unicode"
)

// streamNameProblem says why name cannot be a stream name, or "". A
// stream name is a name, never a path: connectors may make a file of it
// (the file connector's streams are files in its directory), so a
// separator, "." or "..", or a control character is refused when the
// config is loaded rather than when a sync first writes.
func streamNameProblem(name string) string {
	switch {
	case name == "." || name == "..":
		return fmt.Sprintf("stream name %q is not a name but a directory", name)
	case strings.ContainsAny(name, `/\`):
		return fmt.Sprintf("stream name %q contains a path separator: a stream name is a name, not a path", name)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Sprintf("stream name %q contains a control character", name)
	}
	return ""
}
