package oss_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/oss"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// Fake credentials the test gateways accept: an OSS-shaped ID (LTAI
// prefix, too short to look real) and an obviously fake secret.
const (
	gwAccessKey = "LTAIgatewaytest"
	gwSecret    = "oss-gateway-fake-secret"
	gwRegion    = "cn-hangzhou"
)

// partSize is the part size and multipart threshold of the conformance
// backends: the smallest part size, so that multipart cases stay small.
const partSize = 5 << 20

// env is a MinIO bucket behind an OSS-dialect gateway.
type env struct {
	srv    *miniotest.Server
	gw     *gateway.Gateway
	bucket string
}

// newEnv starts a gateway in front of the shared MinIO with a new bucket;
// both go away when t ends. Without MinIO it skips t (fails it with
// UPLOAD_REQUIRE_MINIO=1).
func newEnv(t testing.TB, gopts gateway.Options) *env {
	t.Helper()
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "oss")
	gopts.Dialect = gateway.OSS
	gopts.Upstream = gateway.Upstream{URL: srv.URL, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	if gopts.AccessKey == "" {
		gopts.AccessKey, gopts.SecretKey = gwAccessKey, gwSecret
	}
	gw, err := gateway.Start(gopts)
	if err != nil {
		t.Fatalf("starting the gateway: %v", err)
	}
	t.Cleanup(func() { gw.Close() })
	return &env{srv: srv, gw: gw, bucket: bucket}
}

// options returns backend options for this environment.
func (e *env) options(sigVersion int) oss.Options {
	ak, sk := e.gw.Credentials()
	return oss.Options{
		Name:               fmt.Sprintf("oss-gw-v%d", sigVersion),
		Endpoint:           e.gw.URL(),
		Region:             gwRegion,
		Bucket:             e.bucket,
		AccessKeyID:        ak,
		SecretAccessKey:    sk,
		SignatureVersion:   sigVersion,
		ResponseTimeout:    backendtest.StallTimeout,
		PartSize:           partSize,
		MultipartThreshold: partSize,
	}
}

// harness is the conformance harness: the backend under test talks to the
// gateway; Read, Keys and PendingMultipart look at MinIO directly.
type harness struct {
	*env
	sig int
}

func (h *harness) MakeBackend(ctx context.Context) (uploader.Backend, error) {
	return oss.New(h.options(h.sig))
}

func (h *harness) MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error) {
	o := h.options(h.sig)
	o.Bucket = h.bucket + "-missing"
	return oss.New(o)
}

func (h *harness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	obj, err := h.srv.Client().GetObject(ctx, h.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, false, err
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		var er minio.ErrorResponse
		if errors.As(err, &er) && er.Code == "NoSuchKey" {
			return nil, false, nil
		}
		return nil, false, err
	}
	return data, true, nil
}

func (h *harness) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	for o := range h.srv.Client().ListObjects(ctx, h.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			return nil, o.Err
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
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

func (h *harness) MultipartThreshold() int64 { return partSize }

func (h *harness) Inject(f backendtest.Fault) bool {
	a, err := gateway.NamedAction(f.Type.String())
	if err != nil {
		return false
	}
	h.gw.Inject(gateway.Fault{Action: a})
	return true
}

func (h *harness) ClearFaults() { h.gw.ClearFaults() }

// Close does nothing: the gateway and the bucket go away with the test.
func (h *harness) Close() {}

// TestConformance runs the suite through the OSS gateway, signing with V4
// (the default) and with V1.
func TestConformance(t *testing.T) {
	for _, sig := range []int{4, 1} {
		t.Run(fmt.Sprintf("V%d", sig), func(t *testing.T) {
			backendtest.Run(t, func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
				return &harness{env: newEnv(t, gateway.Options{}), sig: sig}, nil
			})
		})
	}
}
