package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/cxhub/cxhub/core/identity"
	"github.com/cxhub/cxhub/core/identity/identitytest"
	"github.com/cxhub/cxhub/core/identity/sqlite"
)

func TestAcceptance(t *testing.T) {
	identitytest.Run(t, func(t *testing.T) identity.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "cxhub.customers.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPath(t *testing.T) {
	if got := sqlite.Path("/var/lib/cxhub/state.db"); got != "/var/lib/cxhub/state.customers.db" {
		t.Errorf("Path = %q", got)
	}
}
