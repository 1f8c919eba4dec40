package engine

import (
	"context"
	"fmt"
)

// The pre-write fence. A worker runs a pipeline under a lease, and the
// store refuses every commit made under a lease that was lost (see
// state.WithFence); but a destination is outside the store's transaction,
// so a worker paused past its lease (a GC pause, SIGSTOP, a partition)
// could still hand the destination a batch after another worker took the
// pipeline over. The worker gives its runs a write guard, asked right
// before every write to the destination: once the guard says no, the run
// writes nothing more. See docs/scale-out.md for what remains.

// WriteGuard says whether a run may write to its destination now: nil if
// it may, an error saying why not otherwise.
type WriteGuard func(ctx context.Context) error

type writeGuardKey struct{}

// WithWriteGuard returns ctx whose runs ask g right before each write to
// the destination, and stop without writing when it refuses.
func WithWriteGuard(ctx context.Context, g WriteGuard) context.Context {
	return context.WithValue(ctx, writeGuardKey{}, g)
}

// WriteGuardFrom returns ctx's write guard, if it has one.
func WriteGuardFrom(ctx context.Context) (WriteGuard, bool) {
	g, ok := ctx.Value(writeGuardKey{}).(WriteGuard)
	return g, ok && g != nil
}

// mayWrite asks ctx's write guard, if it has one. Its refusal is final: a
// restart cannot give the run its lease back.
func mayWrite(ctx context.Context) error {
	g, ok := WriteGuardFrom(ctx)
	if !ok {
		return nil
	}
	if err := g(ctx); err != nil {
		return final(fmt.Errorf("write to the destination refused: %w", err))
	}
	return nil
}
