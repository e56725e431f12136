// Package upload is the root of the upload module: a library and command
// that upload files to object storage (Volcengine TOS, Aliyun OSS, Huawei
// OBS, Tencent COS, any S3) and keep working when a provider refuses, with a
// local backup when every cloud is down.
//
// The contract is in [github.com/resilient-upload/upload/uploader]; the
// Uploader users hold is in [github.com/resilient-upload/upload/failover];
// the command is cmd/upload. This package holds no code: only the test that
// enforces the import rules between the others (imports_test.go).
package upload
