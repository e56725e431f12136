package cos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/internal/xfer"
)

// BenchmarkPut1GiB uploads a 1 GiB sparse file through the gateway with the
// default part size and concurrency, and reports the process's peak RSS,
// which must stay under part size × part concurrency + 64 MiB. (The
// gateway runs in this process, so its memory counts too.) It skips without
// MinIO.
func BenchmarkPut1GiB(b *testing.B) {
	e := newGatewayEnv(b)
	be := gwBackend(b, e, func(o *Options) { o.MultipartThreshold, o.PartSize, o.PartConcurrency = 0, 0, 0 })
	gatewayharness.PutPeakRSS(b, be, gatewayharness.SparseFile(b, "big/1GiB.bin", 1<<30), xfer.DefaultPartSize*xfer.DefaultConcurrency)
}

// BenchmarkPutSmall uploads 4 KiB objects one after the other through the
// gateway and reports the rate.
func BenchmarkPutSmall(b *testing.B) {
	gatewayharness.PutRate(b, gwBackend(b, newGatewayEnv(b), nil), 4<<10, 1)
}

// BenchmarkPutSmallParallel uploads 4 KiB objects from 8 goroutines.
func BenchmarkPutSmallParallel(b *testing.B) {
	gatewayharness.PutRate(b, gwBackend(b, newGatewayEnv(b), nil), 4<<10, 8)
}
