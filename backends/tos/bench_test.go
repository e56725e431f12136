package tos

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
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

// peakRSS returns the process's peak resident set size (VmHWM) in bytes, or
// -1 without /proc.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// resetPeakRSS asks Linux to restart the VmHWM count from the current RSS
// (clear_refs 5); it reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// generated is a body of any size made up on the fly: a 64 KiB random block
// repeated, each copy with its index mixed in, so that parts differ and
// nothing is stored in memory or on disk.
type generated struct {
	block []byte
	size  int64
}

func newGenerated(size int64) *generated {
	return &generated{block: backendtest.Data(64<<10, 42), size: size}
}

func (g *generated) ReadAt(p []byte, off int64) (int, error) {
	if off >= g.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < g.size {
		bi, bo := off/int64(len(g.block)), off%int64(len(g.block))
		c := copy(p[n:], g.block[bo:])
		if rest := g.size - off; int64(c) > rest {
			c = int(rest)
		}
		// The block's first 8 bytes carry its index.
		for j := bo; j < 8 && j < bo+int64(c); j++ {
			p[n+int(j-bo)] ^= byte(bi >> (8 * j))
		}
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (g *generated) Close() error { return nil }

// BenchmarkPut1GiB uploads a generated 1 GiB object through the TOS gateway
// with the default part size (16 MiB) and concurrency (4) and reports the
// process's peak RSS, which must stay under part size × concurrency +
// 64 MiB. The gateway runs in this process, so its memory counts too. It
// skips without MinIO (fails with UPLOAD_REQUIRE_MINIO=1).
func BenchmarkPut1GiB(b *testing.B) {
	e := newGatewayEnv(b)
	be := e.backend(func(o *Options) { o.MultipartThreshold, o.PartSize, o.PartConcurrency = 0, 0, 0 })
	const size = 1 << 30
	body := newGenerated(size)
	obj := uploader.Object{Key: "big/1GiB.bin", Size: size, Open: func() (uploader.Body, error) { return body, nil }}
	runtime.GC()
	reset := resetPeakRSS()
	before := peakRSS()
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		res, err := be.Put(context.Background(), obj)
		if err != nil {
			b.Fatal(err)
		}
		if res.Size != size {
			b.Fatalf("stored %d bytes", res.Size)
		}
	}
	b.StopTimer()
	peak := peakRSS()
	budget := int64(xfer.DefaultPartSize*xfer.DefaultConcurrency + 64<<20)
	b.ReportMetric(float64(before)/(1<<20), "RSS-before-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	if !reset {
		b.Logf("could not reset VmHWM: the peak includes what ran before the benchmark")
	}
	if peak > budget {
		b.Errorf("peak RSS %d MiB, over the budget of %d MiB (part size × concurrency + 64 MiB)", peak>>20, budget>>20)
	}
}

// BenchmarkPutSmall uploads 4 KiB objects one after another through the
// gateway (single PUT with Content-MD5, CRC64 checked) and reports puts/s.
func BenchmarkPutSmall(b *testing.B) { benchSmall(b, 1) }

// BenchmarkPutSmallParallel does the same from 8 goroutines.
func BenchmarkPutSmallParallel(b *testing.B) { benchSmall(b, 8) }

func benchSmall(b *testing.B, goroutines int) {
	e := newGatewayEnv(b)
	be := e.backend(nil)
	data := backendtest.Data(4<<10, 7)
	var n atomic.Int64
	b.SetBytes(int64(len(data)))
	b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("small/%d", n.Add(1))
			if _, err := be.Put(context.Background(), uploader.BytesObject(key, data)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "puts/s")
}
