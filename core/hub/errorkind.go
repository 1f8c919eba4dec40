package hub

import (
	"fmt"
	"slices"

	"github.com/cxhub/cxhub/core/internal/suggest"
	"github.com/cxhub/cxhub/sdk"
)

// CheckErrorKind refuses a dead-letter reason to filter by that is no
// error kind (sdk.ErrorKinds): a misspelt one would list nothing, which
// reads as "no such dead letters". "" (every kind) is fine.
func CheckErrorKind(kind string) error {
	if kind == "" || slices.Contains(sdk.ErrorKinds(), kind) {
		return nil
	}
	return fmt.Errorf("kind %q is no error kind %s", kind, suggest.Hint(kind, "expected one of", sdk.ErrorKinds()))
}
