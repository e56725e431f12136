// Package miniotest runs a real MinIO server for tests and benchmarks: it
// finds (or installs) the pinned binary, starts it on a free 127.0.0.1 port
// with a temporary data directory, waits until it is healthy, creates
// buckets with minio-go, and stops it by its own process id.
//
// It does not import "testing": test helpers take the small [TB] interface,
// which *testing.T and *testing.B satisfy, so benchmark harnesses can use the
// package in-process too.
//
// # The binary
//
// MinIO is pinned at [Module]@[Version]. [FindBinary] looks at
// UPLOAD_MINIO_BIN (only there, when set), then minio on PATH, then
// $GOBIN/minio and $(go env GOPATH)/bin/minio, and checks each candidate's Go
// build information (debug/buildinfo); another version is an error that
// names [InstallCommand]. [EnsureBinary] also installs the pinned version
// when it is missing and installing is allowed (UPLOAD_REQUIRE_MINIO=1 or
// UPLOAD_MINIO_INSTALL=1), under a file lock so that parallel test binaries
// install it once. Installing takes about 4 minutes on 2 cores.
//
// # Skip or fail
//
// [Shared] and [New] skip the test, saying how to install MinIO (`make test`
// or [InstallCommand]), when no usable MinIO exists; with
// UPLOAD_REQUIRE_MINIO=1 they fail it instead.
//
// # Typical use
//
//	func TestMain(m *testing.M) { os.Exit(miniotest.RunMain(m)) }
//
//	func TestSomething(t *testing.T) {
//		srv := miniotest.Shared(t)           // one server per test binary, started lazily
//		bucket := srv.NewBucket(t, "thing")  // unique, removed in t.Cleanup
//		_, err := srv.Client().PutObject(ctx, bucket, "k", r, n, minio.PutObjectOptions{})
//		...
//	}
//
// A test that needs its own server (for example to stop it) calls
// [New](t, [Options]{}); benchmarks may set Options.Tmpfs to keep the data
// on /dev/shm.
//
// Every server has the fixed fake root credentials [RootUser] /
// [RootPassword] and region [Region]; [Server.Client] is a minio-go client
// with them. The server runs in its own process group with the browser off
// and its console on another loopback port; on Linux the kernel kills it if
// the test binary dies. [Server.Stop] sends SIGTERM to that group (SIGKILL
// after 10 s) and removes the data directory it created.
package miniotest
