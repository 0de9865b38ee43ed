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

// BenchmarkHeadroomCorpus measures one Compress call through the real
// headroom-ai workers per corpus case (needs TSHEADROOM_TEST_PYTHON):
//
//	TSHEADROOM_TEST_PYTHON=... go test ./workers/ -run '^$' -bench HeadroomCorpus
func BenchmarkHeadroomCorpus(b *testing.B) {
	cases := loadCorpusCases(b)
	h, _ := startReal(b, 1)
	ctx := context.Background()
	for _, c := range cases {
		b.Run(c.Name, func(b *testing.B) {
			var size int64
			for _, blk := range c.Req.Blocks {
				size += int64(len(blk.Text))
			}
			b.SetBytes(size)
			for b.Loop() {
				if _, err := h.Compress(ctx, c.Req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
