package failover_test

import (
	"context"
	"maps"
	"testing"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestTargetDefaults checks that a target's default attributes fill what
// the object leaves empty, on that target only: the next target and the
// backup get the object's own, so a drain can give each cloud its own.
func TestTargetDefaults(t *testing.T) {
	defaults := uploader.Attributes{StorageClass: uploader.StorageCold, CacheControl: "max-age=1",
		SSE: uploader.SSE{Mode: uploader.SSEAES256}, Tags: map[string]string{"team": "a", "env": "prod"}}
	e := newEnv(t, envConfig{backends: func(e *env) []failover.Target {
		return []failover.Target{{Backend: e.clouds[0], Defaults: defaults}, {Backend: e.clouds[1]}, {Backend: e.spool}}
	}})
	ctx := context.Background()
	own := uploader.Attributes{CacheControl: "no-cache", Tags: map[string]string{"env": "test"}}

	obj := uploader.BytesObject("one", []byte("1"))
	obj.Attributes = own
	if _, err := e.u.Upload(ctx, obj); err != nil {
		t.Fatal(err)
	}
	got, _ := e.clouds[0].Object("one")
	want := uploader.Attributes{StorageClass: uploader.StorageCold, CacheControl: "no-cache",
		SSE: uploader.SSE{Mode: uploader.SSEAES256}, Tags: map[string]string{"team": "a", "env": "test"}}
	if got.Attributes.StorageClass != want.StorageClass || got.Attributes.CacheControl != want.CacheControl ||
		got.Attributes.SSE != want.SSE || !maps.Equal(got.Attributes.Tags, want.Tags) {
		t.Errorf("primary stored %+v, want %+v", got.Attributes, want)
	}
	if !maps.Equal(obj.Tags, own.Tags) {
		t.Errorf("the caller's tags changed to %v", obj.Tags)
	}

	// The primary refuses: the secondary gets the object's own attributes.
	e.clouds[0].Script(memtest.Fault{Kind: uploader.AccessDenied, Status: 403, Code: "AccessDenied"})
	obj = uploader.BytesObject("two", []byte("2"))
	obj.Attributes = own
	if _, err := e.u.Upload(ctx, obj); err != nil {
		t.Fatal(err)
	}
	got, ok := e.clouds[1].Object("two")
	if !ok || got.Attributes.StorageClass != "" || got.Attributes.CacheControl != "no-cache" || !maps.Equal(got.Attributes.Tags, own.Tags) {
		t.Errorf("secondary stored %+v (%v), want the object's own %+v", got.Attributes, ok, own)
	}
}
