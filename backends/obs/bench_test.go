package obs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	hwobs "github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/provider"
)

// BenchmarkPut1GiB uploads a 1 GiB sparse file with the default part size
// and concurrency (16 MiB × 4), straight at MinIO and through the gateway
// (in this process), and reports the peak RSS during the upload, which must
// stay under part size × concurrency + 64 MiB. It needs MinIO (skipped
// without it); run it with
//
//	go test -run '^$' -bench Put1GiB -benchtime 1x ./backends/obs/
func BenchmarkPut1GiB(b *testing.B) {
	srv := miniotest.New(b, miniotest.Options{Tmpfs: true})
	obj := gatewayharness.SparseFile(b, "big/1GiB.bin", 1<<30)
	for _, through := range []bool{false, true} {
		name := map[bool]string{false: "minio", true: "gateway"}[through]
		b.Run(name, func(b *testing.B) {
			h := testHarness(through, SignatureV2)
			h.Server, h.BucketPrefix = srv, "bench-1g"
			e := gatewayharness.New(b, h)
			// The defaults: multipart above 64 MiB, 16 MiB × 4 parts, 60 s
			// response timeout (the harness's 2 s is for stall tests; a
			// loaded MinIO on 2 cores can pause reading longer).
			be := gatewayharness.Open(b, New, testOptions(SignatureV2)(e.Access()), func(o *Options) {
				o.MultipartThreshold, o.PartSize, o.ResponseTimeout = 0, 0, 0
			})
			gatewayharness.PutPeakRSS(b, be, obj, xfer.DefaultPartSize*xfer.DefaultConcurrency)
		})
	}
}

// BenchmarkPut16KiB measures small uploads straight at MinIO, from
// parallel goroutines; it reports uploads per second.
func BenchmarkPut16KiB(b *testing.B) {
	for _, sig := range []Signature{SignatureV2, SignatureV4} {
		b.Run(string(sig), func(b *testing.B) {
			h := testHarness(false, sig)
			h.BucketPrefix = "bench-16k"
			e := gatewayharness.New(b, h)
			be := gatewayharness.Open(b, New, testOptions(sig)(e.Access()), func(o *Options) { o.ResponseTimeout = 0 })
			gatewayharness.PutRate(b, be, 16<<10, 0)
		})
	}
}

// BenchmarkClientPerCall is the cost of the per-call SDK client that gives
// each call its context (obs.New with the shared http.Client).
func BenchmarkClientPerCall(b *testing.B) {
	be, err := New(Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}})
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
	be, err := New(Options{Common: provider.Common{Endpoint: srv.URL, Bucket: "bkt", AccessKeyID: "AKtestkey", SecretAccessKey: "test-fake-secret-0123456789"}})
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
