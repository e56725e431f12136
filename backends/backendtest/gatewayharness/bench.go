package gatewayharness

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

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/uploader"
)

// RSSSlack is what a 1 GiB upload may hold in memory beyond its parts in
// flight: the peak resident set must stay under part size × part
// concurrency + RSSSlack.
const RSSSlack = 64 << 20

// PutPeakRSS runs b's loop putting obj with be and reports the process's
// peak resident set size (VmHWM) during the loop as "peak-RSS-MiB", and
// the one before it as "RSS-before-MiB". The peak must stay under inFlight
// (part size × part concurrency) + [RSSSlack]: bodies are streamed, never
// buffered whole. A gateway in this process counts too. It skips b where
// /proc/self/status has no VmHWM.
func PutPeakRSS(b *testing.B, be uploader.Backend, obj uploader.Object, inFlight int64) {
	b.Helper()
	runtime.GC()
	reset := resetPeakRSS()
	before := vmHWM(b)
	b.SetBytes(obj.Size)
	b.ResetTimer()
	for b.Loop() {
		res, err := be.Put(context.Background(), obj)
		if err != nil {
			b.Fatal(err)
		}
		if res.Size != obj.Size {
			b.Fatalf("stored %d bytes of %d", res.Size, obj.Size)
		}
	}
	b.StopTimer()
	peak := vmHWM(b)
	b.ReportMetric(float64(before)/(1<<20), "RSS-before-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
	if !reset {
		b.Logf("could not reset VmHWM: the peak includes what ran before the benchmark")
	}
	if budget := inFlight + RSSSlack; peak > budget {
		b.Errorf("peak RSS %d MiB, over the budget of %d MiB (part size × concurrency + %d MiB)", peak>>20, budget>>20, RSSSlack>>20)
	}
}

// vmHWM returns the process's peak resident set size (VmHWM), in bytes. It
// skips b without one.
func vmHWM(b *testing.B) int64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	kb, ok, err := parseVmHWM(f)
	if err != nil {
		b.Fatal(err)
	}
	if !ok {
		b.Skip("no VmHWM in /proc/self/status")
	}
	return kb << 10
}

// parseVmHWM returns the VmHWM of a /proc/<pid>/status file, in kB, and
// whether it holds one.
func parseVmHWM(f *os.File) (int64, bool, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, false, fmt.Errorf("VmHWM %q: %v", v, err)
			}
			return kb, true, nil
		}
	}
	return 0, false, sc.Err()
}

// resetPeakRSS asks Linux to restart the VmHWM count from the current
// resident set (clear_refs "5"), so that the peak measured is the
// upload's; it reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// PutRate puts objects of size bytes with be, under keys "small/<n>", and
// reports "puts/s": one after the other when goroutines is 1, from about
// goroutines goroutines at once (a multiple of GOMAXPROCS) when it is more,
// and from GOMAXPROCS goroutines when it is 0.
func PutRate(b *testing.B, be uploader.Backend, size, goroutines int) {
	b.Helper()
	data := backendtest.Data(int64(size), uint64(size))
	var n atomic.Int64
	put := func() bool {
		key := fmt.Sprintf("small/%d", n.Add(1))
		if _, err := be.Put(context.Background(), uploader.BytesObject(key, data)); err != nil {
			b.Error(err)
			return false
		}
		return true
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	if goroutines == 1 {
		for b.Loop() {
			if !put() {
				return
			}
		}
	} else {
		if goroutines > 1 {
			procs := runtime.GOMAXPROCS(0)
			b.SetParallelism((goroutines + procs - 1) / procs)
		}
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !put() {
					return
				}
			}
		})
	}
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "puts/s")
}

// SparseFile returns an object of size zero bytes under key, read from a
// sparse file in b's temporary directory: it costs neither memory nor disk.
func SparseFile(b *testing.B, key string, size int64) uploader.Object {
	b.Helper()
	path := filepath.Join(b.TempDir(), "sparse.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	obj, err := uploader.FileObject(key, path)
	if err != nil {
		b.Fatal(err)
	}
	return obj
}
