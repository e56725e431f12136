// Package gateway answers like Volcengine TOS, Aliyun OSS, Huawei OBS or
// Tencent COS in front of an S3 server (the test MinIO), so that the real
// vendor SDKs can be tested against real failures: signature mismatches,
// unknown keys, clock skew, throttling, resets and stalls.
package gateway
