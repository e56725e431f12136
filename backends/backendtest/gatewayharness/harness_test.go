package gatewayharness

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// access records what NewBackend was given.
type access struct{ endpoint, bucket, ak, sk string }

var errRecorded = errors.New("recorded")

func recorder(got *access) NewBackend {
	return func(endpoint, bucket, ak, sk string) (uploader.Backend, error) {
		*got = access{endpoint, bucket, ak, sk}
		return nil, errRecorded
	}
}

// TestEnvStraightAtMinIO: Read, Keys and PendingMultipart see what is in
// the bucket; the backend gets MinIO's endpoint and keys; the missing
// bucket is another name with the suffix; no fault can be injected.
func TestEnvStraightAtMinIO(t *testing.T) {
	var got access
	e := New(t, Options{BucketPrefix: "harness", BucketSuffix: "-1250000000", NewBackend: recorder(&got)})
	ctx := context.Background()
	if !strings.HasPrefix(e.Bucket, "harness-") || !strings.HasSuffix(e.Bucket, "-1250000000") {
		t.Errorf("bucket %q", e.Bucket)
	}
	if _, ok, err := e.Read(ctx, "k"); ok || err != nil {
		t.Fatalf("Read of a missing key: %v, %v", ok, err)
	}
	cli := e.Server.Client()
	if _, err := cli.PutObject(ctx, e.Bucket, "dir/k", bytes.NewReader([]byte("abc")), 3, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, ok, err := e.Read(ctx, "dir/k"); !ok || err != nil || string(data) != "abc" {
		t.Fatalf("Read = %q, %v, %v", data, ok, err)
	}
	if keys := e.MustKeys(t); len(keys) != 1 || keys[0] != "dir/k" {
		t.Errorf("Keys = %q", keys)
	}
	if _, err := (minio.Core{Client: cli}).NewMultipartUpload(ctx, e.Bucket, "big", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := e.MustPending(t); n != 1 {
		t.Errorf("PendingMultipart = %d, want 1", n)
	}

	if _, err := e.MakeBackend(ctx); !errors.Is(err, errRecorded) {
		t.Fatalf("MakeBackend: %v", err)
	}
	if want := (access{e.Server.URL, e.Bucket, e.Server.AccessKey, e.Server.SecretKey}); got != want {
		t.Errorf("NewBackend got %+v, want %+v", got, want)
	}
	if _, err := e.MakeBackendForMissingBucket(ctx); !errors.Is(err, errRecorded) {
		t.Fatalf("MakeBackendForMissingBucket: %v", err)
	}
	if got.bucket == e.Bucket || !strings.HasSuffix(got.bucket, "-1250000000") {
		t.Errorf("missing bucket %q", got.bucket)
	}
	if exists, err := cli.BucketExists(ctx, got.bucket); err != nil || exists {
		t.Errorf("the missing bucket exists: %v, %v", exists, err)
	}
	if e.Inject(backendtest.Fault{Type: backendtest.Fault500}) {
		t.Error("Inject without a gateway reported true")
	}
	if _, err := e.MakeBackendForStall(ctx); err == nil || !strings.Contains(err.Error(), "NewStallBackend is not set") {
		t.Errorf("MakeBackendForStall without NewStallBackend: %v", err)
	}
	if e.MultipartThreshold() != Threshold {
		t.Errorf("MultipartThreshold = %d", e.MultipartThreshold())
	}
}

// TestEnvThroughGateway: the backend, and the stall case's, get the
// gateway's endpoint and keys (those of the gateway options), and an
// injected fault reaches the requests until cleared.
func TestEnvThroughGateway(t *testing.T) {
	var got, gotStall access
	e := New(t, Options{Gateway: gateway.Options{Dialect: gateway.OBS, AccessKey: "gwkey", SecretKey: "gw-fake-secret"},
		NewBackend: recorder(&got), NewStallBackend: recorder(&gotStall)})
	if _, err := e.MakeBackend(context.Background()); !errors.Is(err, errRecorded) {
		t.Fatal(err)
	}
	want := access{e.Gateway.URL(), e.Bucket, "gwkey", "gw-fake-secret"}
	if got != want {
		t.Errorf("NewBackend got %+v, want %+v", got, want)
	}
	if _, err := e.MakeBackendForStall(context.Background()); !errors.Is(err, errRecorded) {
		t.Fatal(err)
	}
	if gotStall != want {
		t.Errorf("NewStallBackend got %+v, want %+v", gotStall, want)
	}
	if !e.Inject(backendtest.Fault{Type: backendtest.Fault429}) {
		t.Fatal("Inject through a gateway reported false")
	}
	status := func() int {
		resp, err := http.Get(e.Gateway.URL() + "/" + e.Bucket + "/k")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(); s != http.StatusTooManyRequests {
		t.Errorf("with the fault: status %d, want 429", s)
	}
	e.ClearFaults()
	if s := status(); s == http.StatusTooManyRequests {
		t.Errorf("after ClearFaults: status %d", s)
	}
}

func TestOpenAppliesModsAndCloses(t *testing.T) {
	type opts struct{ n int }
	var made *closer
	t.Run("inner", func(t *testing.T) {
		made = Open(t, func(o opts) (*closer, error) { return &closer{n: o.n}, nil }, opts{n: 1},
			func(o *opts) { o.n *= 10 }, nil, func(o *opts) { o.n += 2 })
		if made.n != 12 || made.closed {
			t.Errorf("made %+v", made)
		}
	})
	if !made.closed {
		t.Error("not closed when the test ended")
	}
}

type closer struct {
	n      int
	closed bool
}

func (c *closer) Close() error { c.closed = true; return nil }

func TestBodies(t *testing.T) {
	read := func(obj uploader.Object, off, n int64) []byte {
		t.Helper()
		body, err := obj.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		p := make([]byte, n)
		k, err := body.ReadAt(p, off)
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatal(err)
		}
		return p[:k]
	}
	const size = 3<<16 + 100
	g := Generated("g", size)
	all := read(g, 0, size+10)
	if len(all) != size || g.Size != size {
		t.Fatalf("read %d bytes of a %d-byte object", len(all), g.Size)
	}
	if bytes.Equal(all[:64<<10], all[64<<10:128<<10]) {
		t.Error("the blocks do not differ")
	}
	if !bytes.Equal(read(g, 70000, 1000), all[70000:71000]) || !bytes.Equal(read(Generated("g", size), 0, size), all) {
		t.Error("reads at other offsets, or of another object, differ")
	}
	z := read(Zeroes("z", 1000), 900, 500)
	if len(z) != 100 || !bytes.Equal(z, make([]byte, 100)) {
		t.Errorf("Zeroes read %d bytes: %v", len(z), z)
	}
}

func TestParseVmHWM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(path, []byte("Name:\tx\nVmPeak:\t  2000 kB\nVmHWM:\t    1234 kB\nVmRSS:\t 1000 kB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if kb, ok, err := parseVmHWM(f); kb != 1234 || !ok || err != nil {
		t.Errorf("parseVmHWM = %d, %v, %v", kb, ok, err)
	}
}

func TestFake(t *testing.T) {
	f := NewFake(t, func(w http.ResponseWriter, r *http.Request) {
		XMLError(w, 503, "X-Amz-Request-Id", "R1", `<Error><Code>SlowDown</Code></Error>`)
	})
	resp, err := http.Post(f.URL+"/bkt/k", "text/plain", strings.NewReader("body"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || resp.Header.Get("X-Amz-Request-Id") != "R1" || !strings.Contains(string(body), "<Code>SlowDown</Code>") {
		t.Errorf("reply %d %q %q", resp.StatusCode, resp.Header, body)
	}
	if f.Requests() != 1 || f.Last().URL.Path != "/bkt/k" {
		t.Errorf("%d requests, last %v", f.Requests(), f.Last().URL)
	}
}

// TestHintSays: the skew a hint states is compared with Near, so a
// rounding to the next second on a slow round trip still matches, and a
// hint of another skew or direction does not.
func TestHintSays(t *testing.T) {
	for hint, want := range map[string]bool{
		"this machine's clock is 31m0s behind the server's, beyond":  true,
		"this machine's clock is 31m2s behind the server's, beyond":  true,
		"this machine's clock is 30m59s behind the server's, beyond": true,
		"this machine's clock is 5m0s behind the server's":           false,
		"this machine's clock is 31m0s ahead of the server's":        false,
		"skew correction is off":                                     false,
	} {
		if got := hintSays(hint, 31*time.Minute); got != want {
			t.Errorf("hintSays(%q) = %v, want %v", hint, got, want)
		}
	}
}
