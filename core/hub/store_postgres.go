package hub

import (
	"context"

	"github.com/cxhub/cxhub/core/config"
	"github.com/cxhub/cxhub/core/state"
	"github.com/cxhub/cxhub/core/state/postgres"
)

// openPostgres opens the PostgreSQL state the config's DSN names.
//
// SQLite's single writer is the lock on its file. PostgreSQL has no such
// lock: several cxhub workers share one database, and that a pipeline runs
// in one process at a time is guaranteed per pipeline by leases, whose
// fencing token every commit carries: cxhub serve's workers' (see
// core/server/leases.go) and the CLI's writing commands', which take the
// pipeline's lease for their duration (see lease.go and
// docs/scale-out.md). A read-only store is one whose transactions are all
// read-only.
func openPostgres(c config.State, readOnly bool) (state.Store, error) {
	ctx := context.Background() // bounded by the DSN's connect_timeout (10s by default)
	if readOnly {
		return postgres.OpenReadOnly(ctx, c.DSN)
	}
	return postgres.Open(ctx, c.DSN)
}
