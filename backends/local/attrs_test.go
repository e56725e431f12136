package local_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

// TestAttributesKeptForTheDrain checks that a backup keeps every attribute
// in its record and that the Object a drain re-uploads carries them again,
// also through a fresh Backend over the same directory.
func TestAttributesKeptForTheDrain(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := local.New(local.Options{Dir: dir, Name: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	want := uploader.Attributes{CacheControl: "no-store", ContentDisposition: "inline", ContentEncoding: "gzip",
		StorageClass: uploader.StorageArchive, ACL: uploader.ACLPublicRead,
		SSE: uploader.SSE{Mode: uploader.SSEKMS, KMSKeyID: "k"}, Tags: map[string]string{"a": "1"}}
	obj := uploader.BytesObject("dir/a.txt", []byte("hello"))
	obj.Attributes = want
	if _, err := b.Backup(ctx, obj, nil); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b, err = local.New(local.Options{Dir: dir, Name: "backup"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	info, err := b.Stat(ctx, "dir/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	if info.CacheControl != want.CacheControl || info.StorageClass != want.StorageClass || info.ACL != want.ACL || info.SSE != want.SSE || info.TagCount != 1 {
		t.Errorf("Stat = %+v, want the attributes %+v", info, want)
	}
	list, err := b.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	again, err := b.Object(list[0])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Attributes, want) {
		t.Errorf("the drained Object has %+v, want %+v", again.Attributes, want)
	}
}
