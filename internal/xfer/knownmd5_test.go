package xfer

import (
	"bytes"
	"crypto/md5"
	"errors"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

type failingReaderAt struct{ err error }

func (f failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, f.err }

func TestKnownMD5(t *testing.T) {
	data := []byte("the copy's bytes")
	sum := md5.Sum(data)
	wrong := md5.Sum([]byte("other bytes"))
	obj := uploader.Object{Key: "k", Size: int64(len(data))}
	if e := KnownMD5(failingReaderAt{errors.New("never read")}, obj, "t", "p"); e != nil {
		t.Fatalf("no MD5 given: %v; want nil without reading", e)
	}
	obj.MD5 = sum[:]
	if e := KnownMD5(bytes.NewReader(data), obj, "t", "p"); e != nil {
		t.Fatalf("matching MD5: %v", e)
	}
	obj.MD5 = wrong[:]
	e := KnownMD5(bytes.NewReader(data), obj, "t", "p")
	if e == nil || e.Kind != uploader.Integrity || e.Target != "t" || e.Provider != "p" || e.Key != "k" {
		t.Fatalf("different MD5: %#v; want Integrity naming target, provider and key", e)
	}
	e = KnownMD5(failingReaderAt{errors.New("disk error")}, obj, "t", "p")
	if e == nil || e.Kind != uploader.Invalid {
		t.Fatalf("failed read: %#v; want Invalid", e)
	}
	changed := &uploader.Error{Kind: uploader.Invalid, Code: uploader.CodeFileChanged, Message: "changed"}
	e = KnownMD5(failingReaderAt{changed}, obj, "t", "p")
	if e == nil || e.Code != uploader.CodeFileChanged || e.Target != "t" {
		t.Fatalf("the body's own error: %#v; want it kept, with the target", e)
	}
}
