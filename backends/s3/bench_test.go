package s3

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/internal/xfer"
)

// BenchmarkPut1GiB uploads a 1 GiB sparse file with the default part size
// and concurrency (16 MiB × 4), straight at MinIO and through the gateway
// (in this process), and reports the peak RSS during the upload, which must
// stay under part size × concurrency + 64 MiB. It needs MinIO (skipped
// without it); run it with
//
//	go test -run '^$' -bench Put1GiB -benchtime 1x ./backends/s3/
func BenchmarkPut1GiB(b *testing.B) {
	srv := miniotest.New(b, miniotest.Options{Tmpfs: true})
	obj := gatewayharness.SparseFile(b, "big/1GiB.bin", 1<<30)
	for _, through := range []bool{false, true} {
		name := map[bool]string{false: "minio", true: "gateway"}[through]
		b.Run(name, func(b *testing.B) {
			h := testHarness(through)
			h.Server, h.BucketPrefix = srv, "bench-1g"
			e := gatewayharness.New(b, h)
			// The defaults: multipart above 64 MiB, 16 MiB × 4 parts, 60 s
			// response timeout (the harness's 2 s is for stall tests; a
			// loaded MinIO on 2 cores can pause reading longer).
			be := gatewayharness.Open(b, New, testOptions(e.Access()), func(o *Options) {
				o.MultipartThreshold, o.PartSize, o.ResponseTimeout = 0, 0, 0
			})
			gatewayharness.PutPeakRSS(b, be, obj, xfer.DefaultPartSize*xfer.DefaultConcurrency)
		})
	}
}

// BenchmarkPut16KiB measures small uploads straight at MinIO (AWS V4), from
// parallel goroutines; it reports uploads per second.
func BenchmarkPut16KiB(b *testing.B) {
	b.Run("v4", func(b *testing.B) {
		h := testHarness(false)
		h.BucketPrefix = "bench-16k"
		e := gatewayharness.New(b, h)
		be := gatewayharness.Open(b, New, testOptions(e.Access()), func(o *Options) { o.ResponseTimeout = 0 })
		gatewayharness.PutRate(b, be, 16<<10, 0)
	})
}
