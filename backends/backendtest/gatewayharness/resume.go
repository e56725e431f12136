package gatewayharness

import (
	"bytes"
	"context"
	"math/rand"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/uploader"
)

// MemResumer is an [uploader.Resumer] that keeps what it is told in
// memory, as a journal would on disk. cut, when set, is called with the
// number of parts done after each one.
type MemResumer struct {
	mu    sync.Mutex
	open  map[string]string
	done  int
	ended []string
	cut   func(done int)
}

// UploadID implements [uploader.Resumer].
func (r *MemResumer) UploadID(target string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.open[target]
}

// Started implements [uploader.Resumer].
func (r *MemResumer) Started(target, id string, partSize int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open == nil {
		r.open = map[string]string{}
	}
	r.open[target] = id
}

// PartDone implements [uploader.Resumer].
func (r *MemResumer) PartDone(target, id string, p uploader.Part) {
	r.mu.Lock()
	r.done++
	n, cut := r.done, r.cut
	r.mu.Unlock()
	if cut != nil {
		cut(n)
	}
}

// Ended implements [uploader.Resumer].
func (r *MemResumer) Ended(target, id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.open[target] == id {
		delete(r.open, target)
	}
	r.ended = append(r.ended, id)
}

// CheckResume checks that b, which sends one part at a time
// (PartConcurrency 1, so that the cut is exact), resumes a multipart upload through e's
// gateway: a Put cut after two parts (the gateway refuses the others with
// 503) leaves the upload; the next Put of the same object with the same
// [uploader.Resumer] sends only the parts MinIO does not hold (counted as
// UploadPart requests at the gateway), and the object is the data, byte
// for byte. Then a cut upload of data changed since is not resumed: the
// old upload is aborted and every part sent anew; and a Put given the ID
// of that aborted upload (NoSuchUpload) starts a new one. Last, a Put
// whose initiate reply is cut (MinIO started the upload) leaves no upload.
//
// Long: one scenario whose steps build on each other (the upload cut
// first is the one resumed, then aborted), told in order.
func CheckResume(t *testing.T, e *Env, b uploader.Backend) {
	t.Helper()
	ps := must[uploader.PartSizer](t, b)
	ctx := context.Background()
	data := make([]byte, 5*PartSize-4321)
	rand.New(rand.NewSource(11)).Read(data)
	n := int((int64(len(data)) + ps.PartSize(int64(len(data))) - 1) / ps.PartSize(int64(len(data))))
	if n < 4 {
		t.Fatalf("%d parts; the check needs at least 4", n)
	}
	core := minio.Core{Client: e.Server.Client()}

	// cutPut puts data under key with r, cut once two parts are stored:
	// from then on the gateway refuses every part with 503 (before MinIO
	// sees it), as a link that went down. Every request has its answer
	// when Put returns, so what MinIO holds is final. It returns the
	// upload ID left and the numbers of the parts MinIO holds.
	cutPut := func(t *testing.T, key string, r *MemResumer, data []byte) (string, []int) {
		t.Helper()
		var once sync.Once
		r.cut = func(done int) {
			if done >= 2 {
				once.Do(func() {
					e.Gateway.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpUploadPart}, Action: gateway.Respond(503, "ServiceUnavailable")})
				})
			}
		}
		defer e.Gateway.ClearFaults()
		obj := uploader.BytesObject(key, data)
		obj.Resume = r
		if _, err := b.Put(ctx, obj); uploader.KindOf(err) != uploader.Unavailable {
			t.Fatalf("%s: the cut Put gave %v, want the 503", key, err)
		}
		r.cut = nil
		id := r.UploadID(b.Name())
		if id == "" {
			t.Fatalf("%s: the cut Put left no upload to resume (ended %v)", key, r.ended)
		}
		lp, err := core.ListObjectParts(ctx, e.Bucket, key, id, 0, 1000)
		if err != nil {
			t.Fatalf("%s: listing the parts of the cut upload: %v", key, err)
		}
		if len(lp.ObjectParts) != 2 {
			t.Fatalf("%s: MinIO holds %d parts of the cut upload, want 2", key, len(lp.ObjectParts))
		}
		var held []int
		for _, p := range lp.ObjectParts {
			held = append(held, p.PartNumber)
		}
		return id, held
	}

	t.Run("resume", func(t *testing.T) {
		r := &MemResumer{}
		id, nums := cutPut(t, "resume/big", r, data)
		held := len(nums)
		e.Gateway.ResetCounts()
		obj := uploader.BytesObject("resume/big", data)
		obj.Resume = r
		res, err := b.Put(ctx, obj)
		if err != nil {
			t.Fatalf("resumed Put: %v", err)
		}
		if got := e.Gateway.Count(gateway.OpUploadPart); got != n-held {
			t.Errorf("the resumed Put sent %d parts, want the %d missing of %d", got, n-held, n)
		}
		if got := e.Gateway.Count(gateway.OpInitiate); got != 0 {
			t.Errorf("the resumed Put initiated %d uploads, want 0", got)
		}
		resumed := 0
		for _, p := range res.Parts {
			if p.Resumed {
				resumed++
			}
		}
		if len(res.Parts) != n || resumed != held {
			t.Errorf("Result.Parts: %d parts, %d resumed; want %d and %d", len(res.Parts), resumed, n, held)
		}
		if !bytes.Equal(e.MustRead(t, "resume/big"), data) {
			t.Error("the stored object is not the data")
		}
		if len(r.ended) == 0 || r.ended[len(r.ended)-1] != id || r.UploadID(b.Name()) != "" {
			t.Errorf("the completed upload %s is not ended (ended %v)", id, r.ended)
		}
	})

	t.Run("changed", func(t *testing.T) {
		r := &MemResumer{}
		old, nums := cutPut(t, "resume/changed", r, data)
		changed := append([]byte(nil), data...)
		changed[int64(nums[0]-1)*ps.PartSize(int64(len(data)))+10] ^= 0xff // in a part MinIO holds
		e.Gateway.ResetCounts()
		obj := uploader.BytesObject("resume/changed", changed)
		obj.Resume = r
		if _, err := b.Put(ctx, obj); err != nil {
			t.Fatalf("Put of the changed data: %v", err)
		}
		if got := e.Gateway.Count(gateway.OpUploadPart); got != n {
			t.Errorf("sent %d parts, want all %d", got, n)
		}
		if got := e.Gateway.Count(gateway.OpAbort); got != 1 {
			t.Errorf("%d aborts, want the old upload's", got)
		}
		if !bytes.Equal(e.MustRead(t, "resume/changed"), changed) {
			t.Error("the stored object is not the changed data")
		}
		if _, err := core.ListObjectParts(ctx, e.Bucket, "resume/changed", old, 0, 1000); err == nil {
			t.Errorf("the old upload %s is still there", old)
		}

		// The upload is gone now (NoSuchUpload): a Put given its ID
		// starts anew.
		gone := &MemResumer{open: map[string]string{b.Name(): old}}
		e.Gateway.ResetCounts()
		obj = uploader.BytesObject("resume/gone", data)
		obj.Resume = gone
		if _, err := b.Put(ctx, obj); err != nil {
			t.Fatalf("Put with the ID of an upload that is gone: %v", err)
		}
		if lp, ini, up := e.Gateway.Count(gateway.OpListParts), e.Gateway.Count(gateway.OpInitiate), e.Gateway.Count(gateway.OpUploadPart); lp != 1 || ini != 1 || up != n {
			t.Errorf("list parts %d, initiates %d, parts %d; want 1, 1 and %d", lp, ini, up, n)
		}
		if len(gone.ended) == 0 || gone.ended[0] != old {
			t.Errorf("the gone upload was not ended: %v", gone.ended)
		}
	})

	t.Run("cut initiate", func(t *testing.T) {
		// MinIO starts the upload, the reply is cut: the backend has no
		// ID, yet must not leave the upload behind.
		e.Gateway.Inject(gateway.Fault{Ops: []gateway.Op{gateway.OpInitiate}, Action: gateway.Truncate(), Times: 1})
		defer e.Gateway.ClearFaults()
		if _, err := b.Put(ctx, uploader.BytesObject("resume/cut", data)); err == nil {
			t.Fatal("the Put with a cut initiate reply succeeded")
		}
		for u := range e.Server.Client().ListIncompleteUploads(ctx, e.Bucket, "resume/cut", true) {
			t.Errorf("the cut initiate left upload %s", u.UploadID)
		}
	})
	if n := e.MustPending(t); n != 0 {
		t.Errorf("%d multipart uploads left behind", n)
	}
}
