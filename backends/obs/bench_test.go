package obs

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

// vmHWM returns the process's peak resident set size (VmHWM), in bytes.
func vmHWM(b *testing.B) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb << 10
		}
	}
	b.Skip("no VmHWM in /proc/self/status")
	return 0
}

// resetPeak resets VmHWM to the current RSS (Linux clear_refs "5"), so that
// the peak measured covers the upload only; it reports whether it could.
func resetPeak() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// BenchmarkPut1GiB uploads a 1 GiB sparse file with the default part size
// and concurrency (16 MiB × 4), straight at MinIO and through the gateway
// (in this process), and reports the peak RSS during the upload, which must
// stay under part size × concurrency + 64 MiB. It needs MinIO (skipped
// without it); run it with
//
//	go test -run '^$' -bench Put1GiB -benchtime 1x ./backends/obs/
func BenchmarkPut1GiB(b *testing.B) {
	srv := miniotest.New(b, miniotest.Options{Tmpfs: true})
	path := filepath.Join(b.TempDir(), "1GiB.bin")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		b.Fatal(err)
	}
	f.Close()
	obj, err := uploader.FileObject("big/1GiB.bin", path)
	if err != nil {
		b.Fatal(err)
	}
	for _, through := range []bool{false, true} {
		name := map[bool]string{false: "minio", true: "gateway"}[through]
		b.Run(name, func(b *testing.B) {
			h := &harness{srv: srv, bucket: srv.NewBucket(b, "bench-1g"), sig: SignatureV2}
			if through {
				gw, err := gateway.Start(gateway.Options{Dialect: gateway.OBS,
					Upstream: gateway.Upstream{URL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}})
				if err != nil {
					b.Fatal(err)
				}
				defer gw.Close()
				h.gw = gw
			}
			o := h.options(h.bucket)
			// The defaults: multipart above 64 MiB, 16 MiB × 4 parts, 60 s
			// response timeout (the harness's 2 s is for stall tests; a
			// loaded MinIO on 2 cores can pause reading longer).
			o.MultipartThreshold, o.PartSize, o.ResponseTimeout = 0, 0, 0
			be, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			defer be.Close()
			runtime.GC()
			reset := resetPeak()
			base := vmHWM(b)
			b.SetBytes(1 << 30)
			b.ResetTimer()
			for b.Loop() {
				if _, err := be.Put(context.Background(), obj); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			peak := vmHWM(b)
			b.ReportMetric(float64(peak)/(1<<20), "peakRSS-MiB")
			b.ReportMetric(float64(base)/(1<<20), "startRSS-MiB")
			limit := int64(xfer.DefaultPartSize*xfer.DefaultConcurrency + 64<<20)
			if !reset {
				b.Logf("could not reset VmHWM: the peak includes the setup")
			}
			if peak > limit {
				b.Errorf("peak RSS %d MiB is above part size × concurrency + 64 MiB = %d MiB", peak>>20, limit>>20)
			}
		})
	}
}

// BenchmarkPut16KiB measures small uploads straight at MinIO, from
// parallel goroutines; it reports uploads per second.
func BenchmarkPut16KiB(b *testing.B) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		b.Run(string(sig), func(b *testing.B) {
			srv := miniotest.Shared(b)
			h := &harness{srv: srv, bucket: srv.NewBucket(b, "bench-16k"), sig: sig}
			o := h.options(h.bucket)
			o.ResponseTimeout = 0
			be, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			defer be.Close()
			data := randomBytes(16 << 10)
			var n atomic.Int64
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
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
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

// BenchmarkClientPerCall is the cost of the per-call SDK client that gives
// each call its context (obs.New with the shared http.Client).
func BenchmarkClientPerCall(b *testing.B) {
	be, err := New(Options{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := be.newClient(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHeadClient compares one HEAD through a client made per call with
// one through a client made once, against a trivial local server: the
// difference is what the per-call client costs in a real request.
func BenchmarkHeadClient(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
	}))
	defer srv.Close()
	be, err := New(Options{Endpoint: srv.URL, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"})
	if err != nil {
		b.Fatal(err)
	}
	in := &hwobs.GetObjectMetadataInput{Bucket: "bkt", Key: "k"}
	ctx := context.Background()
	b.Run("per-call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			cl, err := be.newClient(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := cl.GetObjectMetadata(in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("shared", func(b *testing.B) {
		cl, err := be.newClient(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cl.GetObjectMetadata(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
