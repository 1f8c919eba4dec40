package scaffold

import (
	"fmt"
	"regexp"
)

// semverPattern is a version a go.mod require directive accepts for a module
// of major version 0 or 1: v, then major.minor.patch without leading zeros,
// then an optional pre-release (pseudo-versions are pre-releases). Build
// metadata is refused, as the go command refuses it there.
var semverPattern = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// checkVersion reports why v cannot be the version of github.com/cxhub/cxhub
// that a go.mod requires. "latest" and branch names are queries of the go
// command (go get module@latest), not versions: a go.mod holding one is
// invalid.
func checkVersion(v string) error {
	if !semverPattern.MatchString(v) {
		return fmt.Errorf("cxhub version %q: a go.mod requires a semantic version such as v1.2.3 (leave it empty to require none)", v)
	}
	return nil
}
