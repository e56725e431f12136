package integration_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// BenchmarkPut1MiB measures what the gateway adds to a 1 MiB PUT: an
// anonymous PUT straight to MinIO, the same through an OSS gateway (proxy,
// CRC-64, header translation), and a signed OSS V1 PUT through it
// (signature check and AWS V4 re-signing on top).
func BenchmarkPut1MiB(b *testing.B) {
	srv := miniotest.Shared(b)
	bucket := srv.NewPublicBucket(b, "bench")
	gw, err := gateway.Start(gateway.Options{Dialect: gateway.OSS, Upstream: gateway.MinIO(srv)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = gw.Close() })
	data := randomBytes(1 << 20)
	tr := &http.Transport{}
	b.Cleanup(tr.CloseIdleConnections)
	rawPut := func(b *testing.B, base string) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPut, base+"/"+bucket+"/bench/raw", bytes.NewReader(data))
		resp, err := tr.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.Run("minio-direct-anonymous", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			rawPut(b, srv.URL)
		}
	})
	b.Run("gateway-anonymous", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			rawPut(b, gw.URL())
		}
	})
	b.Run("gateway-oss-v1-signed", func(b *testing.B) {
		ak, sk := gw.Credentials()
		c, err := oss.New(gw.URL(), ak, sk, oss.HTTPClient(&http.Client{Transport: tr}))
		if err != nil {
			b.Fatal(err)
		}
		bkt, _ := c.Bucket(bucket)
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if err := bkt.PutObject("bench/oss", bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
