package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/cxhub/cxhub/core/state"
)

// BenchmarkCheckFence is the write guard's read, made before every write
// to a destination: one op is one check of a held lease.
func BenchmarkCheckFence(b *testing.B) {
	s := openFresh(b)
	ctx := context.Background()
	l, err := s.AcquireLease(ctx, "p", "w1", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	f := state.Fence{Pipeline: l.Pipeline, Token: l.Token}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.CheckFence(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}
