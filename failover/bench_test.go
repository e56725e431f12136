package failover_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

var benchBody = make([]byte, 1024)

// BenchmarkUploadPrimaryOpen measures the per-upload cost of the failover
// layer while the primary's breaker is open (the refusal is recorded, then
// the secondary stores the object), against a direct upload to one
// in-memory backend, and against the failover layer with a healthy primary.
// The difference between "primary-open" and "direct" is the overhead a user
// pays per upload while the primary is down.
func BenchmarkUploadPrimaryOpen(b *testing.B) {
	obj := uploader.BytesObject("bench/key", benchBody)
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		u := uploader.New(memtest.New("only", "mem", time.Now))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := u.Upload(ctx, obj); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("failover-primary-healthy", func(b *testing.B) {
		p, s := memtest.New("primary", "mem", time.Now), memtest.New("secondary", "mem", time.Now)
		u, err := failover.New([]failover.Target{{Backend: p}, {Backend: s}}, failover.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := u.Upload(ctx, obj); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("failover-primary-open", func(b *testing.B) {
		p, s := memtest.New("primary", "mem", time.Now), memtest.New("secondary", "mem", time.Now)
		always(p, memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403})
		u, err := failover.New([]failover.Target{{Backend: p}, {Backend: s}},
			failover.Options{Breaker: failover.BreakerOptions{OpenTimeout: time.Hour}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := u.Upload(ctx, obj); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			res, err := u.Upload(ctx, obj)
			if err != nil || res.Attempts[0].Kind != uploader.CircuitOpen {
				b.Fatal(err, res.Attempts)
			}
		}
		if p.Puts() != 1 {
			b.Fatalf("the open primary got %d puts", p.Puts())
		}
	})
}

// BenchmarkTimeToFailover measures, per upload, the time from the start of
// an upload whose primary answers SignatureDoesNotMatch to the first
// success on the secondary: one request to the primary, the breaker trip,
// the failover. Each iteration gets a fresh Uploader with a closed breaker
// (built outside the timer).
func BenchmarkTimeToFailover(b *testing.B) {
	obj := uploader.BytesObject("bench/key", benchBody)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		p, s := memtest.New("primary", "mem", time.Now), memtest.New("secondary", "mem", time.Now)
		p.Script(memtest.Fault{Kind: uploader.SignatureMismatch, Status: 403, Code: "SignatureDoesNotMatch"})
		u, err := failover.New([]failover.Target{{Backend: p}, {Backend: s}}, failover.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := u.Upload(ctx, obj)
		if err != nil || res.Target != "secondary" || p.Puts() != 1 {
			b.Fatal(err, res.Target)
		}
	}
}
