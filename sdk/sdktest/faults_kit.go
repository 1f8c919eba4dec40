package sdktest

import (
	"context"

	"github.com/cxhub/cxhub/sdk/sandbox"
)

// KitFaults is a [Faulter] for a sandbox built on sdk/sandbox: it makes
// the sandbox's Kit answer the next requests with the status the suite
// asks for. Embed it in a driver:
//
//	type driver struct {
//		sb *sandbox.Sandbox
//		sdktest.KitFaults
//	}
//
//	d := driver{sb: sb, KitFaults: sdktest.KitFaults{Kit: sb.Kit()}}
type KitFaults struct {
	Kit *sandbox.Kit
}

var _ Faulter = KitFaults{}

// FailNext makes the Kit answer the next n requests with status.
func (f KitFaults) FailNext(_ context.Context, status, n int) error {
	f.Kit.FailNext(status, n)
	return nil
}
