package miniotest

import (
	"context"
	"errors"
	"sync"
	"time"
)

// TB is the part of testing.TB this package needs, so that it does not
// import "testing" (the benchmark harness uses it in-process too).
type TB interface {
	Helper()
	Skipf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// installTimeout bounds EnsureBinary when a test has to install MinIO.
const installTimeout = 20 * time.Minute

// New starts a dedicated server for one test and stops it in t.Cleanup.
// Without a usable MinIO it skips t with the reason and how to install it,
// or fails t when UPLOAD_REQUIRE_MINIO=1.
func New(t TB, opts Options) *Server {
	t.Helper()
	s, err := startForTest(opts)
	if err != nil {
		skipOrFail(t, err)
		return nil
	}
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

var shared struct {
	mu  sync.Mutex
	srv *Server
	err error
}

// Shared returns the server shared by every test of the binary, starting it
// on first use (about 1 s). A failed start is remembered, so later callers
// skip or fail at once. Stop it from TestMain with [StopShared] or [RunMain];
// otherwise it is killed when the test binary exits (on Linux). Without a
// usable MinIO it skips t, or fails t when UPLOAD_REQUIRE_MINIO=1.
//
// Tests sharing the server must not depend on each other's buckets: use
// [Server.NewBucket].
func Shared(t TB) *Server {
	t.Helper()
	shared.mu.Lock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = startForTest(Options{})
	}
	s, err := shared.srv, shared.err
	shared.mu.Unlock()
	if err != nil {
		skipOrFail(t, err)
		return nil
	}
	return s
}

// StopShared stops the shared server, if one was started. Later calls to
// Shared start a new one.
func StopShared() error {
	shared.mu.Lock()
	s := shared.srv
	shared.srv, shared.err = nil, nil
	shared.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Stop()
}

// RunMain runs the tests and stops the shared server afterwards; use it as
//
//	func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }
func RunMain(m interface{ Run() int }) int {
	code := m.Run()
	_ = StopShared()
	return code
}

func startForTest(opts Options) (*Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	if opts.Binary == "" {
		bin, err := EnsureBinary(ctx)
		if err != nil {
			return nil, err
		}
		opts.Binary = bin
	}
	return Start(ctx, opts)
}

func skipOrFail(t TB, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("MinIO is required (%s=1) but unusable: %v", EnvRequire, err)
		return
	}
	if errors.Is(err, ErrNoBinary) {
		t.Skipf("skipping: needs MinIO: %v (or run with %s=1 to install it)", err, EnvInstall)
		return
	}
	t.Skipf("skipping: MinIO did not start: %v", err)
}

// NewBucket creates a private bucket with a unique name starting with
// prefix and removes it, with its contents, in t.Cleanup. It fails t on
// error.
func (s *Server) NewBucket(t TB, prefix string) string {
	t.Helper()
	return s.newBucket(t, prefix, false)
}

// NewPublicBucket is [Server.NewBucket] for a bucket with the anonymous
// read-write policy of [Server.MakePublicBucket].
func (s *Server) NewPublicBucket(t TB, prefix string) string {
	t.Helper()
	return s.newBucket(t, prefix, true)
}

func (s *Server) newBucket(t TB, prefix string, public bool) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := UniqueBucketName(prefix)
	var err error
	if public {
		err = s.MakePublicBucket(ctx, name)
	} else {
		err = s.MakeBucket(ctx, name)
	}
	if err != nil {
		t.Fatalf("miniotest: create bucket %s: %v", name, err)
		return ""
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = s.RemoveBucket(ctx, name)
	})
	return name
}
