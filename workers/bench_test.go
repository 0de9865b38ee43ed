package workers

import (
	"context"
	"testing"
)

// BenchmarkPoolDo measures the pool's own overhead per call, uncontended
// and with every slot contended.
func BenchmarkPoolDo(b *testing.B) {
	noop := func(context.Context) error { return nil }
	b.Run("free", func(b *testing.B) {
		p, _ := NewPool(PoolConfig{Size: 4, MaxWaiting: 1 << 20})
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			_ = p.Do(ctx, noop)
		}
	})
	b.Run("contended", func(b *testing.B) {
		p, _ := NewPool(PoolConfig{Size: 2, MaxWaiting: 1 << 20})
		ctx := context.Background()
		b.ReportAllocs()
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = p.Do(ctx, noop)
			}
		})
	})
}
