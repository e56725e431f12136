package tos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/internal/xfer"
)

// BenchmarkPut1GiB uploads a generated 1 GiB object through the TOS gateway
// with the default part size (16 MiB) and concurrency (4) and reports the
// process's peak RSS, which must stay under part size × concurrency +
// 64 MiB. The gateway runs in this process, so its memory counts too. It
// skips without MinIO (fails with UPLOAD_REQUIRE_MINIO=1).
func BenchmarkPut1GiB(b *testing.B) {
	e := newGatewayEnv(b)
	be := gwBackend(b, e, func(o *Options) { o.MultipartThreshold, o.PartSize, o.PartConcurrency = 0, 0, 0 })
	gatewayharness.PutPeakRSS(b, be, gatewayharness.Generated("big/1GiB.bin", 1<<30), xfer.DefaultPartSize*xfer.DefaultConcurrency)
}

// BenchmarkPutSmall uploads 4 KiB objects one after another through the
// gateway (single PUT with Content-MD5, CRC64 checked) and reports puts/s.
func BenchmarkPutSmall(b *testing.B) {
	gatewayharness.PutRate(b, gwBackend(b, newGatewayEnv(b), nil), 4<<10, 1)
}

// BenchmarkPutSmallParallel does the same from 8 goroutines.
func BenchmarkPutSmallParallel(b *testing.B) {
	gatewayharness.PutRate(b, gwBackend(b, newGatewayEnv(b), nil), 4<<10, 8)
}
