package cos

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// vmHWM returns the process's peak resident set size in bytes (VmHWM), or
// -1 where /proc is missing.
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// BenchmarkPut1GiB uploads a 1 GiB sparse file through the gateway with the
// default part size and concurrency, and reports the process's peak RSS,
// which must stay under part size × part concurrency + 64 MiB. (The
// gateway runs in this process, so its memory counts too.) It skips without
// MinIO.
func BenchmarkPut1GiB(b *testing.B) {
	e := newGatewayEnv(b)
	be := e.backend(func(o *Options) { o.MultipartThreshold, o.PartSize, o.PartConcurrency = 0, 0, 0 })
	path := filepath.Join(b.TempDir(), "1GiB.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	const size = 1 << 30
	if err := f.Truncate(size); err != nil {
		b.Fatal(err)
	}
	f.Close()
	obj, err := uploader.FileObject("big/1GiB.bin", path)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	before := vmHWM()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		res, err := be.Put(context.Background(), obj)
		if err != nil {
			b.Fatal(err)
		}
		if res.Size != size {
			b.Fatalf("size %d", res.Size)
		}
	}
	b.StopTimer()
	peak := vmHWM()
	budget := int64(xfer.DefaultPartSize*xfer.DefaultConcurrency + 64<<20)
	b.ReportMetric(float64(before)/(1<<20), "RSS-before-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	if peak > budget {
		b.Errorf("peak RSS %d MiB, over the budget of %d MiB (part size × concurrency + 64 MiB)", peak>>20, budget>>20)
	}
}

// BenchmarkPutSmall uploads 4 KiB objects one after the other through the
// gateway and reports the rate.
func BenchmarkPutSmall(b *testing.B) {
	benchSmall(b, 1)
}

// BenchmarkPutSmallParallel uploads 4 KiB objects from 8 goroutines.
func BenchmarkPutSmallParallel(b *testing.B) {
	benchSmall(b, 8)
}

func benchSmall(b *testing.B, par int) {
	e := newGatewayEnv(b)
	be := e.backend(nil)
	data := backendtest.Data(4<<10, 1)
	var n atomic.Int64
	b.SetBytes(int64(len(data)))
	b.SetParallelism(max(1, par/runtime.GOMAXPROCS(0)))
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			if _, err := be.Put(context.Background(), uploader.BytesObject(fmt.Sprintf("small/%d", i), data)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "puts/s")
}
