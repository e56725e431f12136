package obs

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// Harness settings: multipart above 6 MiB in 5 MiB parts, so the suite's
// multipart cases stay small.
const (
	testThreshold = 6 << 20
	testPartSize  = 5 << 20
)

// harness is a backendtest.Harness over one bucket of the shared MinIO,
// reached directly or through a vendor gateway in the OBS dialect.
type harness struct {
	srv    *miniotest.Server
	bucket string
	gw     *gateway.Gateway // nil: straight at MinIO
	sig    Signature
}

// newHarness returns a HarnessMaker; through selects the gateway.
func newHarness(through bool, sig Signature) backendtest.HarnessMaker {
	return func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		srv := miniotest.Shared(t)
		h := &harness{srv: srv, bucket: srv.NewBucket(t, "obs-conf"), sig: sig}
		if through {
			gw, err := startGateway(srv)
			if err != nil {
				return nil, err
			}
			h.gw = gw
		}
		return h, nil
	}
}

func startGateway(srv *miniotest.Server) (*gateway.Gateway, error) {
	return gateway.Start(gateway.Options{
		Dialect:  gateway.OBS,
		Upstream: gateway.Upstream{URL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey},
	})
}

func (h *harness) options(bucket string) Options {
	o := Options{Name: "obs-test", Bucket: bucket, Signature: h.sig,
		ResponseTimeout: backendtest.StallTimeout, MultipartThreshold: testThreshold, PartSize: testPartSize}
	if h.gw != nil {
		o.Endpoint = h.gw.URL()
		o.AccessKeyID, o.SecretAccessKey = h.gw.Credentials()
	} else {
		o.Endpoint = h.srv.URL
		o.AccessKeyID, o.SecretAccessKey = h.srv.AccessKey, h.srv.SecretKey
	}
	return o
}

func (h *harness) MakeBackend(context.Context) (uploader.Backend, error) {
	return New(h.options(h.bucket))
}

func (h *harness) MakeBackendForMissingBucket(context.Context) (uploader.Backend, error) {
	return New(h.options(miniotest.UniqueBucketName("missing")))
}

func (h *harness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	rc, _, _, err := minio.Core{Client: h.srv.Client()}.GetObject(ctx, h.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return b, err == nil, err
}

func (h *harness) Keys(ctx context.Context) ([]string, error) {
	var ks []string
	for oi := range h.srv.Client().ListObjects(ctx, h.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if oi.Err != nil {
			return nil, oi.Err
		}
		ks = append(ks, oi.Key)
	}
	return ks, nil
}

func (h *harness) PendingMultipart(ctx context.Context) (int, error) {
	n := 0
	for u := range h.srv.Client().ListIncompleteUploads(ctx, h.bucket, "", true) {
		if u.Err != nil {
			return 0, u.Err
		}
		n++
	}
	return n, nil
}

func (h *harness) MultipartThreshold() int64 { return testThreshold }

// Inject maps the suite's fault to the gateway action of the same name;
// straight at MinIO there is no way to inject one.
func (h *harness) Inject(f backendtest.Fault) bool {
	if h.gw == nil {
		return false
	}
	a, err := gateway.NamedAction(f.Type.String())
	if err != nil {
		return false
	}
	h.gw.Inject(gateway.Fault{Action: a})
	return true
}

func (h *harness) ClearFaults() {
	if h.gw != nil {
		h.gw.ClearFaults()
	}
}

func (h *harness) Close() {
	if h.gw != nil {
		h.gw.Close()
	}
}

// TestConformance runs the suite straight at MinIO (AWS V2 and V4
// signatures, verified by MinIO) and through the gateway's OBS dialect
// (signatures verified by the gateway, faults injected there).
func TestConformance(t *testing.T) {
	t.Run("minio-v2", func(t *testing.T) { backendtest.Run(t, newHarness(false, SignatureV2)) })
	t.Run("minio-v4", func(t *testing.T) { backendtest.Run(t, newHarness(false, SignatureV4)) })
	t.Run("gateway-v2", func(t *testing.T) { backendtest.Run(t, newHarness(true, SignatureV2)) })
	t.Run("gateway-v4", func(t *testing.T) { backendtest.Run(t, newHarness(true, SignatureV4)) })
}
