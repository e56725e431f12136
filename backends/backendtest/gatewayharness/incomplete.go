package gatewayharness

import (
	"context"
	"sort"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// CheckIncomplete checks a backend's [uploader.MultipartLister] and
// [uploader.MultipartAborter] over e: uploads started straight at MinIO
// and left (as a process killed between initiate and complete leaves them)
// are listed under a prefix (in one or two list requests through a
// gateway) with their IDs and initiation times, under a prefix that is a
// whole key, and under no other prefix; one aborted is gone and the others
// stay; aborting it again is no error; an upload the backend completed is
// not listed.
func CheckIncomplete(t *testing.T, e *Env, b uploader.Backend) {
	t.Helper()
	lister := must[uploader.MultipartLister](t, b)
	aborter := must[uploader.MultipartAborter](t, b)
	ctx := context.Background()
	core := minio.Core{Client: e.Server.Client()}
	ids := map[string]string{}
	for _, k := range []string{"a/one", "a/two", "b/three"} {
		id, err := core.NewMultipartUpload(ctx, e.Bucket, k, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = id
	}
	if _, err := uploader.New(b).Upload(ctx, Zeroes("a/done", 2*PartSize)); err != nil {
		t.Fatal(err)
	}
	list := func(prefix string) []uploader.IncompleteUpload {
		t.Helper()
		got, err := lister.ListIncomplete(ctx, prefix)
		if err != nil {
			t.Fatalf("ListIncomplete(%q): %v", prefix, err)
		}
		sort.Slice(got, func(i, j int) bool { return got[i].Key < got[j].Key })
		return got
	}
	if e.Gateway != nil {
		e.Gateway.ResetCounts()
	}
	got := list("a/")
	if len(got) != 2 || got[0].Key != "a/one" || got[1].Key != "a/two" {
		t.Fatalf("under a/: %+v", got)
	}
	for _, u := range got {
		if u.UploadID != ids[u.Key] || u.Initiated.IsZero() {
			t.Errorf("%+v, want ID %q and an initiation time", u, ids[u.Key])
		}
	}
	if e.Gateway != nil {
		if n := e.Gateway.Count(gateway.OpListUploads); n < 1 || n > 2 {
			t.Errorf("%d list requests reached the gateway, want 1 or 2", n)
		}
	}
	if got := list("a/one"); len(got) != 1 || got[0].UploadID != ids["a/one"] {
		t.Errorf("under a/one: %+v", got)
	}
	if all := list(""); len(all) != 3 {
		t.Errorf("whole bucket: %+v", all)
	}
	if none := list("c/"); len(none) != 0 {
		t.Errorf("under c/: %+v", none)
	}
	if err := aborter.AbortIncomplete(ctx, "a/one", ids["a/one"]); err != nil {
		t.Fatalf("abort: %v", err)
	}
	if got := list("a/"); len(got) != 1 || got[0].Key != "a/two" {
		t.Errorf("after the abort: %+v", got)
	}
	if err := aborter.AbortIncomplete(ctx, "a/one", ids["a/one"]); err != nil {
		t.Errorf("aborting an aborted upload: %v", err)
	}
	if n := e.MustPending(t); n != 2 {
		t.Errorf("MinIO holds %d pending uploads, want 2", n)
	}
}
