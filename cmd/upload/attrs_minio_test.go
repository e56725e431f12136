package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// TestAttributeFlagsExec runs the command as a process against an s3
// target straight at MinIO: a HEAD shows the attributes of the flags, with
// the target's defaults: filling what the flags leave empty (tags merged).
func TestAttributeFlagsExec(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "attrs")
	dir := t.TempDir()
	env := map[string]string{"MINIO_AK": srv.AccessKey, "MINIO_SK": srv.SecretKey}
	writeTree(t, dir, map[string]string{
		"upload.yaml": fmt.Sprintf(`targets:
  - name: minio
    provider: s3
    endpoint: '%s'
    bucket: %s
    access_key_id: '${MINIO_AK}'
    secret_access_key: '${MINIO_SK}'
    defaults: {cache_control: 'max-age=60', content_encoding: br, storage_class: standard, tags: {team: storage, env: default}}
`, srv.URL, bucket),
		"site/index.html": "<p>",
	})
	r := execCLI(t, dir, env, "", "--cache-control", "no-cache", "--content-disposition", "attachment",
		"--acl", "private", "--tags", "env=test,build=42", "site")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	oi, err := srv.Client().StatObject(context.Background(), bucket, "index.html", minio.StatObjectOptions{})
	must(t, err)
	h := oi.Metadata
	if h.Get("Cache-Control") != "no-cache" || h.Get("Content-Disposition") != "attachment" || h.Get("Content-Encoding") != "br" {
		t.Errorf("HEAD: Cache-Control %q, Content-Disposition %q, Content-Encoding %q; want no-cache (flag), attachment (flag), br (defaults)",
			h.Get("Cache-Control"), h.Get("Content-Disposition"), h.Get("Content-Encoding"))
	}
	if oi.UserTagCount != 3 {
		t.Errorf("HEAD: %d tags, want 3 (env, build from --tags; team from defaults)", oi.UserTagCount)
	}
	tags, err := srv.Client().GetObjectTagging(context.Background(), bucket, "index.html", minio.GetObjectTaggingOptions{})
	must(t, err)
	if got := tags.ToMap(); got["env"] != "test" || got["build"] != "42" || got["team"] != "storage" {
		t.Errorf("tags %v, want env=test (the flag wins), build=42, team=storage", got)
	}
}

// TestAttributesThroughGatewayExec runs the command as a process against a
// TOS target (the gateway over MinIO): its defaults give the storage class
// and KMS encryption, the flags the ACL and tags, and a HEAD through the
// TOS backend shows each.
func TestAttributesThroughGatewayExec(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "attrs-tos")
	gw, url := startGateway(t, srv, gateway.TOS, nil)
	ak, sk := gw.Credentials()
	dir := t.TempDir()
	env := map[string]string{"GW_AK": ak, "GW_SK": sk}
	writeTree(t, dir, map[string]string{
		"upload.yaml": fmt.Sprintf(`targets:
  - name: tos
    provider: tos
    endpoint: %s
    region: cn-beijing
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
    defaults:
      storage_class: COLD
      sse: kms:key-7
`, url, bucket),
		"a.txt": "a",
	})
	if r := execCLI(t, dir, env, "", "--acl", "public-read", "--tags", "a=1,b=2", "a.txt"); r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	b, err := tos.New(tos.Options{Common: provider.Common{Endpoint: url, Region: "cn-beijing", Bucket: bucket, AccessKeyID: ak, SecretAccessKey: sk}})
	must(t, err)
	defer b.Close()
	info, err := b.Stat(context.Background(), "a.txt")
	must(t, err)
	if info.StorageClass != uploader.StorageCold || info.SSE != (uploader.SSE{Mode: uploader.SSEKMS, KMSKeyID: "key-7"}) || info.TagCount != 2 {
		t.Errorf("HEAD: class %q, SSE %+v, %d tags; want COLD, KMS key-7, 2", info.StorageClass, info.SSE, info.TagCount)
	}
}

// TestAttributeMistakesExec: a bad value is exit 2 naming the flag or key,
// and a value the target's provider lacks is exit 2 naming the target;
// nothing is stored.
func TestAttributeMistakesExec(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "attrs-bad")
	gw, url := startGateway(t, srv, gateway.OSS, nil)
	ak, sk := gw.Credentials()
	env := map[string]string{"GW_AK": ak, "GW_SK": sk}
	config := func(defaults string) string {
		return fmt.Sprintf(`targets:
  - name: oss-main
    provider: oss
    endpoint: %s
    region: cn-hangzhou
    bucket: %s
    access_key_id: ${GW_AK}
    secret_access_key: ${GW_SK}
%s`, url, bucket, defaults)
	}
	for _, tc := range []struct {
		defaults string
		args     []string
		want     string
	}{
		{"", []string{"--storage-class", "GLACIER"}, `--storage-class: storage class "GLACIER": want one of STANDARD, INFREQUENT, ARCHIVE, COLD`},
		{"", []string{"--acl", "everyone"}, `--acl: ACL "everyone"`},
		{"", []string{"--sse", "kms:"}, `--sse: server-side encryption "kms:"`},
		{"", []string{"--tags", "novalue"}, `--tags "novalue"`},
		{"", []string{"--tags", "a=1,b=2,c=3,d=4,e=5,f=6", "--tags", "g=7,h=8,i=9,j=10,k=11"}, `--tags "a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11": 11 tags; the limit is 10`},
		{"", []string{"--cache-control", "a\x01"}, `--cache-control "a\x01": printable ASCII`},
		{"", []string{"--acl", "bucket-owner-read"}, `target "oss-main" (oss): canned ACL "bucket-owner-read" is not supported by oss (from --acl)`},
		{"    defaults: {acl: authenticated-read}\n", nil, `upload.yaml:9: targets[0] (oss-main).defaults: canned ACL "authenticated-read" is not supported by oss`},
		{"    defaults: {storage_class: glacier}\n", nil, `targets[0] (oss-main).defaults.storage_class: storage class "glacier"`},
		{"    defaults: {colour: red}\n", nil, `unknown key targets[0] (oss-main).defaults.colour`},
	} {
		dir := t.TempDir()
		writeTree(t, dir, map[string]string{"upload.yaml": config(tc.defaults), "a.txt": "a"})
		r := execCLI(t, dir, env, "", append(tc.args, "a.txt")...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("upload %q with %q: exit %d, want 2 and %q:\n%s", tc.args, tc.defaults, r.code, tc.want, r.stderr)
		}
	}
	if keys := listBucket(t, srv, bucket); len(keys) != 0 {
		t.Errorf("the bucket holds %v after refused runs", keys)
	}
}
