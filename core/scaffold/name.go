package scaffold

import (
	"fmt"
	"go/token"
	"regexp"
)

// namePattern is what a connector name may be: it becomes a Go package name
// and the binary cxhub-connector-<name>.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// maxNameLength bounds a name, which also names a binary and a directory.
const maxNameLength = 40

// reservedReason says why name, although well formed, cannot name a
// connector: it clashes with a package the generated code imports under that
// name, or means something to Go. It returns "" for a name that is fine.
func reservedReason(name string) string {
	switch name {
	case "main":
		return "it is the name of Go's command packages"
	case "internal", "testdata", "vendor":
		return "the go command gives a directory of that name a meaning of its own"
	case "sandbox":
		return "the generated connector has a sandbox package of its own"
	case "sdk", "sdktest", "httpx":
		return "the generated code imports github.com/cxhub/cxhub/sdk/... under that name"
	case "t", "driver", "connection":
		return "the generated conformance test declares an identifier of that name"
	case "kit":
		return "the generated sandbox imports github.com/cxhub/cxhub/sdk/sandbox as kit"
	case "gjson":
		return "the generated code imports github.com/tidwall/gjson under that name"
	case "base64", "context", "errors", "fmt", "http", "io", "json", "slices", "sort", "strconv",
		"strings", "sync", "testing", "time", "url":
		return "the generated code imports the standard library package of that name"
	}
	return ""
}

// ValidateName reports why name cannot name a connector, or nil. A name is
// lower case: a letter, then letters, digits or underscores ([a-z][a-z0-9_]*),
// at most 40 characters, and neither a Go keyword nor the name of a package
// the generated code imports.
func ValidateName(name string) error {
	const allowed = "a connector name is lower case: a letter, then letters, digits or underscores ([a-z][a-z0-9_]*), " +
		"since it becomes a Go package name and the binary cxhub-connector-<name>"
	switch {
	case name == "":
		return fmt.Errorf("connector name is empty: %s", allowed)
	case len(name) > maxNameLength:
		return fmt.Errorf("connector name %q is %d characters long, more than %d", name, len(name), maxNameLength)
	case !namePattern.MatchString(name):
		return fmt.Errorf("connector name %q is not allowed: %s", name, allowed)
	case token.IsKeyword(name):
		return fmt.Errorf("connector name %q is a Go keyword, which cannot name a package: choose another", name)
	}
	if why := reservedReason(name); why != "" {
		return fmt.Errorf("connector name %q is reserved (%s): choose another", name, why)
	}
	return nil
}
