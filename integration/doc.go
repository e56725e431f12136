// Package integration holds the end-to-end tests of upload against a real
// MinIO and the vendor gateway in front of it. Its subpackages are the
// harness the other packages' tests build on:
//
//   - [github.com/resilient-upload/upload/integration/miniotest] finds or
//     installs the pinned MinIO, starts it on a free loopback port and
//     creates buckets.
//   - [github.com/resilient-upload/upload/integration/gateway] answers like
//     TOS, OSS, OBS or COS in front of that MinIO: it verifies each vendor's
//     signature, keeps a clock that can be skewed, speaks each vendor's error
//     dialect and injects faults.
//
// Tests that need MinIO skip without it and fail with UPLOAD_REQUIRE_MINIO=1.
package integration
