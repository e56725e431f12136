package s3

import (
	"context"
	"sort"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// TestIncompleteThroughGateway: uploads started straight at MinIO and left
// (as a kill -9 leaves them) are listed through the gateway under a prefix,
// with their IDs and initiation times; one aborted is gone and the other
// stays; aborting it again is no error; an upload the backend completed is
// not listed.
func TestIncompleteThroughGateway(t *testing.T) {
	b, env := viaGateway(t, nil)
	ctx := context.Background()
	core := minio.Core{Client: env.Server.Client()}
	ids := map[string]string{}
	for _, k := range []string{"a/one", "a/two", "b/three"} {
		id, err := core.NewMultipartUpload(ctx, env.Bucket, k, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = id
	}
	if _, err := b.Put(ctx, gatewayharness.Zeroes("a/done", 9<<20)); err != nil {
		t.Fatal(err)
	}
	list := func(prefix string) []uploader.IncompleteUpload {
		t.Helper()
		got, err := b.ListIncomplete(ctx, prefix)
		if err != nil {
			t.Fatalf("ListIncomplete(%q): %v", prefix, err)
		}
		sort.Slice(got, func(i, j int) bool { return got[i].Key < got[j].Key })
		return got
	}
	env.Gateway.ResetCounts()
	got := list("a/")
	if len(got) != 2 || got[0].Key != "a/one" || got[1].Key != "a/two" {
		t.Fatalf("under a/: %+v", got)
	}
	for _, u := range got {
		if u.UploadID != ids[u.Key] || u.Initiated.IsZero() {
			t.Errorf("%+v, want ID %q and an initiation time", u, ids[u.Key])
		}
	}
	if n := env.Gateway.Count(gateway.OpListUploads); n < 1 || n > 2 {
		t.Errorf("%d list requests reached the gateway, want 1 or 2", n)
	}
	if got := list("a/one"); len(got) != 1 || got[0].UploadID != ids["a/one"] {
		t.Errorf("under a/one: %+v", got)
	}
	if got := list("c/"); len(got) != 0 {
		t.Errorf("under c/: %+v", got)
	}
	if all := list(""); len(all) != 3 {
		t.Errorf("whole bucket: %+v", all)
	}
	if err := b.AbortIncomplete(ctx, "a/one", ids["a/one"]); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if got := list("a/"); len(got) != 1 || got[0].Key != "a/two" {
		t.Errorf("after the abort: %+v", got)
	}
	if err := b.AbortIncomplete(ctx, "a/one", ids["a/one"]); err != nil {
		t.Errorf("aborting an aborted upload: %v", err)
	}
	if n := env.MustPending(t); n != 2 {
		t.Errorf("MinIO holds %d pending uploads, want 2", n)
	}
}

// TestIncompleteErrors: a wrong secret is classified (SignatureMismatch)
// for the list and for the abort, and a closed backend refuses both.
func TestIncompleteErrors(t *testing.T) {
	b, _ := viaGateway(t, func(o *Options) { o.SecretAccessKey = "a-wrong-fake-secret" })
	ctx := context.Background()
	if _, err := b.ListIncomplete(ctx, ""); uploader.KindOf(err) != uploader.SignatureMismatch {
		t.Errorf("list: %v", err)
	}
	if err := b.AbortIncomplete(ctx, "k", "some-id"); uploader.KindOf(err) != uploader.SignatureMismatch {
		t.Errorf("abort: %v", err)
	}
	b.Close()
	if _, err := b.ListIncomplete(ctx, ""); uploader.AsError(err) == nil {
		t.Errorf("list after Close: %v", err)
	}
	if err := b.AbortIncomplete(ctx, "k", "some-id"); uploader.AsError(err) == nil {
		t.Errorf("abort after Close: %v", err)
	}
}
