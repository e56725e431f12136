package oss_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// patternBody is a generated body: byte i is a function of i, so a 1 GiB
// object costs no memory and no disk on the client side.
type patternBody struct{}

func (patternBody) ReadAt(p []byte, off int64) (int, error) {
	for i := range p {
		x := uint64(off + int64(i))
		p[i] = byte(x ^ x>>8 ^ x>>16)
	}
	return len(p), nil
}

func (patternBody) Close() error { return nil }

// vmHWM returns the process's peak resident set size (VmHWM), in bytes.
func vmHWM(b *testing.B) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("VmHWM %q: %v", v, err)
			}
			return kb << 10
		}
	}
	b.Skip("no VmHWM in /proc/self/status")
	return 0
}

// resetHWM resets VmHWM to the current RSS (Linux: "5" to clear_refs), so
// that the peak measured is the upload's; it reports whether it could.
func resetHWM() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// BenchmarkPut1GiB uploads a generated 1 GiB object through the OSS
// gateway (default part size 16 MiB, 4 parts in flight) and reports the
// peak RSS of the process, which also runs the gateway. The bound is part
// size x part concurrency + 64 MiB = 128 MiB.
func BenchmarkPut1GiB(b *testing.B) {
	const size = 1 << 30
	e := newEnv(b, gateway.Options{})
	o := e.options(4)
	o.PartSize, o.MultipartThreshold, o.PartConcurrency = 0, 0, 0 // the defaults
	o.ResponseTimeout = time.Minute
	be := newBackend(b, o)
	u := uploader.New(be)
	obj := uploader.Object{Key: "bench/1GiB", Size: size, Open: func() (uploader.Body, error) { return patternBody{}, nil }}
	reset := resetHWM()
	before := vmHWM(b)
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		if _, err := u.Upload(context.Background(), obj); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	after := vmHWM(b)
	b.ReportMetric(float64(after)/(1<<20), "peak-RSS-MiB")
	b.ReportMetric(float64(before)/(1<<20), "RSS-before-MiB")
	if !reset {
		b.Logf("could not reset VmHWM: the peak includes what ran before")
	}
	const bound = 16<<20*4 + 64<<20
	if reset && after > bound {
		b.Errorf("peak RSS %d MiB is above part size x concurrency + 64 MiB = %d MiB", after>>20, bound>>20)
	}
}

// BenchmarkPutSmall reports the rate of 4 KiB single PUTs through the OSS
// gateway, one at a time and 16 at a time.
func BenchmarkPutSmall(b *testing.B) {
	e := newEnv(b, gateway.Options{})
	be := newBackend(b, e.options(4))
	u := uploader.New(be)
	data := make([]byte, 4<<10)
	for _, par := range []int{1, 16} {
		b.Run(fmt.Sprintf("parallel-%d", par), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.SetParallelism(max(1, par/runtime.GOMAXPROCS(0)))
			start := time.Now()
			var n int64
			if par == 1 {
				for i := range b.N {
					if _, err := u.Upload(context.Background(), uploader.BytesObject(fmt.Sprintf("small/%d", i), data)); err != nil {
						b.Fatal(err)
					}
				}
				n = int64(b.N)
			} else {
				var seq atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						i := seq.Add(1)
						if _, err := u.Upload(context.Background(), uploader.BytesObject(fmt.Sprintf("small/p%d", i), data)); err != nil {
							b.Error(err)
							return
						}
					}
				})
				n = int64(b.N)
			}
			b.ReportMetric(float64(n)/time.Since(start).Seconds(), "puts/s")
		})
	}
}
