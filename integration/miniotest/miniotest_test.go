package miniotest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/resilient-upload/upload/integration/miniotest"
)

func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }

// TestRoundTrip stores an object in the shared server with minio-go and
// reads back the same bytes: the issue-2 round trip through a real MinIO.
func TestRoundTrip(t *testing.T) {
	srv := miniotest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bucket := srv.NewBucket(t, "roundtrip")
	data := make([]byte, 1<<20+7)
	_, _ = rand.Read(data)
	c := srv.Client()
	if _, err := c.PutObject(ctx, bucket, "dir/obj", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("put: %v", err)
	}
	obj, err := c.GetObject(ctx, bucket, "dir/obj", minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	got, err := io.ReadAll(obj)
	_ = obj.Close()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, want the %d written", len(got), len(data))
	}
}

// TestPublicBucketAllowsAnonymousWrite checks the policy of
// MakePublicBucket and that a private bucket refuses the same anonymous PUT.
func TestPublicBucketAllowsAnonymousWrite(t *testing.T) {
	srv := miniotest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub := srv.NewPublicBucket(t, "pub")
	priv := srv.NewBucket(t, "priv")
	anon, err := minio.New(srv.Endpoint, &minio.Options{Creds: credentials.NewStaticV4("", "", ""), Region: miniotest.Region})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.PutObject(ctx, pub, "k", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatalf("anonymous put to the public bucket: %v", err)
	}
	_, err = anon.PutObject(ctx, priv, "k", bytes.NewReader([]byte("x")), 1, minio.PutObjectOptions{})
	if minio.ToErrorResponse(err).Code != "AccessDenied" {
		t.Fatalf("anonymous put to the private bucket: %v, want AccessDenied", err)
	}
}

// TestStopEndsProcessAndRemovesDataDir starts a dedicated server and checks
// that Stop leaves neither the process nor the data directory behind.
func TestStopEndsProcessAndRemovesDataDir(t *testing.T) {
	srv := miniotest.New(t, miniotest.Options{Tmpfs: true})
	pid, dir := srv.PID(), srv.DataDir
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data dir while running: %v", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Fatalf("process %d after Stop: kill(0) = %v, want ESRCH", pid, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("data dir after Stop: %v, want it gone", err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// TestCheckBinaryRejectsOtherModules checks the pin: the test binary itself
// is a Go program but not MinIO at the pinned version.
func TestCheckBinaryRejectsOtherModules(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	err = miniotest.CheckBinary(self)
	if !errors.Is(err, miniotest.ErrNoBinary) {
		t.Fatalf("CheckBinary(test binary) = %v, want ErrNoBinary", err)
	}
}

// TestFindBinaryHonoursEnv checks that UPLOAD_MINIO_BIN is the only place
// looked at when set, and that a wrong binary there is an error naming the
// install command.
func TestFindBinaryHonoursEnv(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(miniotest.EnvBin, self)
	_, err = miniotest.FindBinary()
	if !errors.Is(err, miniotest.ErrNoBinary) {
		t.Fatalf("FindBinary with %s=test binary: %v, want ErrNoBinary", miniotest.EnvBin, err)
	}
	if !bytes.Contains([]byte(err.Error()), []byte(miniotest.Version)) {
		t.Fatalf("error %q does not name the pinned version", err)
	}
}

type fakeTB struct {
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper()                       {}
func (f *fakeTB) Cleanup(func())                {}
func (f *fakeTB) Skipf(format string, a ...any) { f.skipped = true; f.msg = format }
func (f *fakeTB) Fatalf(format string, a ...any) {
	f.failed = true
	f.msg = format
}

// TestMissingBinarySkipsOrFails checks the skip-or-fail rule with a binary
// that is not MinIO.
func TestMissingBinarySkipsOrFails(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(miniotest.EnvBin, self)

	t.Setenv(miniotest.EnvRequire, "")
	var tb fakeTB
	if s := miniotest.New(&tb, miniotest.Options{}); s != nil || !tb.skipped || tb.failed {
		t.Fatalf("without %s: skipped=%v failed=%v, want a skip", miniotest.EnvRequire, tb.skipped, tb.failed)
	}

	t.Setenv(miniotest.EnvRequire, "1")
	tb = fakeTB{}
	if s := miniotest.New(&tb, miniotest.Options{}); s != nil || !tb.failed {
		t.Fatalf("with %s=1: skipped=%v failed=%v, want a failure", miniotest.EnvRequire, tb.skipped, tb.failed)
	}
}
