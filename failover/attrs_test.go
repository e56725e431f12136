package failover_test

import (
	"bytes"
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

// TestWriterFailsOver writes an object through a Writer whose bytes spill
// to a spool file; the primary refuses, and the secondary stores the same
// bytes, read again from the spool.
func TestWriterFailsOver(t *testing.T) {
	e := newEnv(t, envConfig{})
	e.clouds[0].Script(memtest.Fault{Kind: uploader.AccessDenied, Status: 403, Code: "AccessDenied"})
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	w := uploader.NewWriter(context.Background(), e.u, "streamed", &uploader.WriterOptions{
		Attributes: uploader.Attributes{Tags: map[string]string{"via": "writer"}},
		Spool:      uploader.SpoolOptions{MaxMemory: 4096, Dir: t.TempDir()}})
	for off := 0; off < len(data); off += 1000 {
		if _, err := w.Write(data[off : off+1000]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if e.clouds[0].Puts() != 1 {
		t.Errorf("the primary saw %d Puts, want the 1 it refused", e.clouds[0].Puts())
	}
	got, ok := e.clouds[1].Object("streamed")
	if !ok || !bytes.Equal(got.Data, data) || got.Attributes.Tags["via"] != "writer" {
		t.Errorf("secondary holds %d bytes (%v), tags %v; want the %d written", len(got.Data), ok, got.Attributes.Tags, len(data))
	}
	if res := w.Result(); res.Target != "secondary" {
		t.Errorf("Result.Target = %q, want secondary", res.Target)
	}
}
