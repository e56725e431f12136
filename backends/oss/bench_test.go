package oss_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/backends/oss"
)

// BenchmarkPut1GiB uploads a generated 1 GiB object through the OSS
// gateway (default part size 16 MiB, 4 parts in flight) and reports the
// peak RSS of the process, which also runs the gateway. The bound is part
// size x part concurrency + 64 MiB = 128 MiB.
func BenchmarkPut1GiB(b *testing.B) {
	e := newEnv(b, 4)
	be := newBackend(b, gwOptions(4)(e.Access()), func(o *oss.Options) {
		o.PartSize, o.MultipartThreshold, o.PartConcurrency = 0, 0, 0 // the defaults
		o.ResponseTimeout = time.Minute
	})
	gatewayharness.PutPeakRSS(b, be, gatewayharness.Generated("bench/1GiB", 1<<30), 16<<20*4)
}

// BenchmarkPutSmall reports the rate of 4 KiB single PUTs through the OSS
// gateway, one at a time and 16 at a time.
func BenchmarkPutSmall(b *testing.B) {
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("parallel-%d", par), func(b *testing.B) {
			gatewayharness.PutRate(b, newBackend(b, gwOptions(4)(newEnv(b, 4).Access())), 4<<10, par)
		})
	}
}
