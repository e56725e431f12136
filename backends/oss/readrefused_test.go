package oss

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestMultipartHeadRefusedIsNotAFailure: a server that sends no CRC64 (so
// the completed object's size is checked with a HEAD) and refuses the HEAD
// with 403, as it does to a key that may write but not read. The upload
// succeeds, says "not verified by reading", and nothing is deleted.
func TestMultipartHeadRefusedIsNotAFailure(t *testing.T) {
	const part = 5 << 20
	data := make([]byte, 2*part+1)
	m := &multipartServer{noCRC: true}
	var heads atomic.Int32
	f := newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
		if r.Method == http.MethodHead {
			heads.Add(1)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		m.handle(w, r)
	})
	b := fakeBackend(t, f, func(o *Options) { o.MultipartThreshold = part; o.PartSize = part; o.PartConcurrency = 1 })
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("big", data))
	if err != nil {
		t.Fatalf("a refused HEAD failed the upload: %v", err)
	}
	if heads.Load() != 1 || m.count("delete") != 0 || m.count("abort") != 0 {
		t.Errorf("%d HEADs, %d DELETEs, %d aborts; want 1, 0, 0", heads.Load(), m.count("delete"), m.count("abort"))
	}
	if !strings.Contains(res.Unverified, "not verified by reading") || !strings.Contains(res.Unverified, "only each part's checksum") {
		t.Errorf("Result.Unverified = %q", res.Unverified)
	}
	if res.Target == "" || res.Size != int64(len(data)) {
		t.Errorf("result %+v", res)
	}
}
