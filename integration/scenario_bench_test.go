package integration_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// benchSize is the object size of the failover benchmarks: small, so that
// the figures show the failover layer rather than the bytes.
const benchSize = 1 << 10

// BenchmarkScenarioFailover measures, with the real TOS backend through the
// gateway and a MinIO on tmpfs (skipped without MinIO):
//
//   - secondary_alone: an Uploader over the secondary (TOS cn-shanghai)
//     only: the baseline.
//   - primary_open: the primary (TOS cn-beijing, wrong secret) first, its
//     breaker already open: every upload is refused there and lands on the
//     secondary. Its ns/op minus the baseline's is the per-upload cost of an
//     open breaker.
//   - signature_to_secondary: a fresh Uploader per upload, so each one
//     meets the signature mismatch, opens the breaker and fails over.
//     sig-to-ok-ns is the time from the end of the refused attempt to the
//     end of the success on the secondary; gap-ns the part of it before the
//     secondary's request starts.
//
// Each reports layer-ns/op: the upload's wall time minus the time spent in
// the backends' Puts (Attempt.Elapsed), the failover layer's own cost.
func BenchmarkScenarioFailover(b *testing.B) {
	// A server of its own with its data on tmpfs: no disk latency in the
	// figures.
	srv := miniotest.New(b, miniotest.Options{Tmpfs: true})
	secondary := newCloud(b, srv, cloudSpec{dialect: gateway.TOS, name: "tos-shanghai", region: "cn-shanghai"})
	primary := newCloud(b, srv, cloudSpec{dialect: gateway.TOS, name: "tos-beijing", region: "cn-beijing", wrongSecret: true})
	data := backendtest.Data(benchSize, 42)
	ctx := context.Background()
	opts := failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}}

	// upload uploads one object and returns the result and the time
	// outside the backends' Puts.
	upload := func(b *testing.B, u *failover.Uploader, key string) (uploader.Result, time.Duration) {
		start := time.Now()
		res, err := u.Upload(ctx, uploader.BytesObject(key, data))
		wall := time.Since(start)
		if err != nil || res.Target != "tos-shanghai" {
			b.Fatalf("%s: stored on %q: %v (attempts %v)", key, res.Target, err, kinds(res.Attempts))
		}
		for _, a := range res.Attempts {
			wall -= a.Elapsed
		}
		return res, wall
	}

	b.Run("secondary_alone", func(b *testing.B) {
		u := newFailover(b, []*cloud{secondary}, nil, opts, nil)
		var layer time.Duration
		i := 0
		for b.Loop() {
			_, d := upload(b, u, keyf("bench/alone/%d", i))
			layer += d
			i++
		}
		b.ReportMetric(float64(layer.Nanoseconds())/float64(i), "layer-ns/op")
	})

	b.Run("primary_open", func(b *testing.B) {
		u := newFailover(b, []*cloud{primary, secondary}, nil, opts, nil)
		res, _ := upload(b, u, "bench/open/trip") // opens the breaker
		if len(res.Attempts) != 2 || res.Attempts[0].Kind != uploader.SignatureMismatch {
			b.Fatalf("trip: attempts %v", kinds(res.Attempts))
		}
		before := primary.gw.Count(gateway.OpAny)
		var layer time.Duration
		i := 0
		for b.Loop() {
			res, d := upload(b, u, keyf("bench/open/%d", i))
			if res.Attempts[0].Kind != uploader.CircuitOpen {
				b.Fatalf("attempts %v, want circuit_open first", kinds(res.Attempts))
			}
			layer += d
			i++
		}
		b.ReportMetric(float64(layer.Nanoseconds())/float64(i), "layer-ns/op")
		if n := primary.gw.Count(gateway.OpAny); n != before {
			b.Fatalf("the open primary received %d requests", n-before)
		}
	})

	b.Run("signature_to_secondary", func(b *testing.B) {
		var toOK, gap, layer time.Duration
		i := 0
		for b.Loop() {
			u, err := failover.New([]failover.Target{{Backend: primary.b}, {Backend: secondary.b}}, opts)
			if err != nil {
				b.Fatal(err)
			}
			res, d := upload(b, u, keyf("bench/sig/%d", i))
			_ = u.Close()
			if len(res.Attempts) != 2 || res.Attempts[0].Kind != uploader.SignatureMismatch {
				b.Fatalf("attempts %v, want signature_mismatch then ok", kinds(res.Attempts))
			}
			a0, a1 := res.Attempts[0], res.Attempts[1]
			failedAt := a0.Start.Add(a0.Elapsed)
			toOK += a1.Start.Add(a1.Elapsed).Sub(failedAt)
			gap += a1.Start.Sub(failedAt)
			layer += d
			i++
		}
		b.ReportMetric(float64(toOK.Nanoseconds())/float64(i), "sig-to-ok-ns")
		b.ReportMetric(float64(gap.Nanoseconds())/float64(i), "gap-ns")
		b.ReportMetric(float64(layer.Nanoseconds())/float64(i), "layer-ns/op")
	})
}
