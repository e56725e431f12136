package xfer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// store is a fake server holding multipart uploads by ID.
type store struct {
	mu      sync.Mutex
	uploads map[string]map[int][]byte
	sent    int // UploadPart calls
	aborted []string
	listErr error
	failAt  int // the UploadPart call (1-based, over the store's life) that fails
	failErr error
	etagFor func(number int, b []byte) string // nil: the hex MD5
}

func newStore() *store { return &store{uploads: map[string]map[int][]byte{}} }

func (st *store) initiate() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	id := fmt.Sprintf("u%d", len(st.uploads)+len(st.aborted)+1)
	st.uploads[id] = map[int][]byte{}
	return id
}

func (st *store) session(id string) *storeSession { return &storeSession{st: st, id: id} }

func (st *store) ListParts(ctx context.Context, id string) ([]Part, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.listErr != nil {
		return nil, st.listErr
	}
	u, ok := st.uploads[id]
	if !ok {
		return nil, &uploader.Error{Kind: uploader.BucketNotFound, Status: 404, Code: "NoSuchUpload"}
	}
	var out []Part
	for n := 1; n <= 10000; n++ {
		if b, ok := u[n]; ok {
			etag := Hex(md5sum(b))
			if st.etagFor != nil {
				etag = st.etagFor(n, b)
			}
			out = append(out, Part{Number: n, Size: int64(len(b)), ETag: `"` + etag + `"`})
		}
	}
	return out, nil
}

func (st *store) AbortUpload(ctx context.Context, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.uploads, id)
	st.aborted = append(st.aborted, id)
	return nil
}

type storeSession struct {
	st        *store
	id        string
	assembled []byte
}

func (s *storeSession) UploadPart(ctx context.Context, p Part, body io.ReadSeeker) (string, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return "", err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.sent++
	if s.st.sent == s.st.failAt {
		return "", s.st.failErr
	}
	u, ok := s.st.uploads[s.id]
	if !ok {
		return "", &uploader.Error{Kind: uploader.BucketNotFound, Status: 404, Code: "NoSuchUpload"}
	}
	u[p.Number] = b
	return Hex(md5sum(b)), nil
}

func (s *storeSession) Complete(ctx context.Context, parts []Part) error {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	u := s.st.uploads[s.id]
	var out []byte
	for _, p := range parts {
		b := u[p.Number]
		if Hex(md5sum(b)) != p.ETag {
			return fmt.Errorf("part %d: ETag %s, stored %s", p.Number, p.ETag, Hex(md5sum(b)))
		}
		out = append(out, b...)
	}
	delete(s.st.uploads, s.id)
	s.assembled = out
	return nil
}

func (s *storeSession) Abort(ctx context.Context) error { return s.st.AbortUpload(ctx, s.id) }

// journal is a Resumer that remembers what it was told, as the CLI's
// --state journal does.
type journal struct {
	mu      sync.Mutex
	open    map[string]string // target -> upload ID
	started []string
	parts   map[string][]uploader.Part
	ended   []string
}

func newJournal() *journal {
	return &journal{open: map[string]string{}, parts: map[string][]uploader.Part{}}
}

func (j *journal) UploadID(target string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.open[target]
}

func (j *journal) Started(target, id string, partSize int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.open[target] = id
	j.started = append(j.started, id)
}

func (j *journal) PartDone(target, id string, p uploader.Part) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.parts[id] = append(j.parts[id], p)
}

func (j *journal) Ended(target, id string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.open[target] == id {
		delete(j.open, target)
	}
	j.ended = append(j.ended, id)
}

const resumePart = MinPartSize

func resumeData(t *testing.T, parts int) []byte {
	t.Helper()
	data := make([]byte, parts*resumePart-1234)
	rand.New(rand.NewSource(int64(parts))).Read(data)
	return data
}

// attempt is one Put as a backend makes it: Resume, then initiate unless
// an upload is kept, then Upload.
func attempt(t *testing.T, st *store, obj uploader.Object, body io.ReaderAt) (*storeSession, []Part, error) {
	t.Helper()
	ctx := context.Background()
	id, kept, err := Resume(ctx, obj, body, "t1", resumePart, st)
	if err != nil {
		return nil, nil, err
	}
	if id == "" {
		id = st.initiate()
	}
	s := st.session(id)
	parts, err := Upload(ctx, body, obj.Size, s, Options{PartSize: resumePart, Concurrency: 1, ContentMD5: true,
		Resume: obj.Resume, Target: "t1", UploadID: id, Resumed: kept})
	return s, parts, err
}

// A transient failure keeps the upload; the next attempt lists its parts,
// checks them against the body and sends only the missing ones.
func TestResumeSendsOnlyMissingParts(t *testing.T) {
	data := resumeData(t, 5)
	st := newStore()
	st.failAt, st.failErr = 3, &uploader.Error{Kind: uploader.Unavailable, Status: 503, Code: "ServiceUnavailable"}
	j := newJournal()
	obj := uploader.BytesObject("k", data)
	obj.Resume = j
	body := bytes.NewReader(data)

	_, _, err := attempt(t, st, obj, body)
	if uploader.KindOf(err) != uploader.Unavailable {
		t.Fatalf("first attempt: %v, want the 503", err)
	}
	if len(st.aborted) != 0 || len(j.ended) != 0 {
		t.Fatalf("a transient failure aborted the upload (aborted %v, ended %v)", st.aborted, j.ended)
	}
	id := j.UploadID("t1")
	if id == "" || len(j.parts[id]) != 2 {
		t.Fatalf("journal: id %q, %d parts recorded, want 2", id, len(j.parts[id]))
	}

	sentBefore := st.sent
	s, parts, err := attempt(t, st, obj, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.sent - sentBefore; got != 3 {
		t.Errorf("the resumed attempt sent %d parts, want the 3 missing", got)
	}
	if s.id != id {
		t.Errorf("resumed with upload %s, want %s", s.id, id)
	}
	if !bytes.Equal(s.assembled, data) {
		t.Error("the assembled object is not the data")
	}
	resumed := 0
	for _, p := range parts {
		if p.Resumed {
			resumed++
			if len(p.MD5) != 16 {
				t.Errorf("resumed part %d has no MD5 for the composite ETag", p.Number)
			}
		} else if p.Elapsed <= 0 {
			t.Errorf("part %d sent without a duration", p.Number)
		}
	}
	if resumed != 2 {
		t.Errorf("%d parts marked resumed, want 2", resumed)
	}
	if _, ok := CompositeETag(parts); !ok {
		t.Error("no composite ETag from the parts of a resumed upload")
	}
	if len(j.ended) != 1 || j.UploadID("t1") != "" {
		t.Errorf("after completion: ended %v, still open %q", j.ended, j.UploadID("t1"))
	}
}

// A listed part whose ETag does not match the body's bytes is never
// trusted: the old upload is aborted and a new one sends every part.
func TestResumeDistrustsBadETag(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(st *store, data []byte) []byte
	}{
		{"bad etag", func(st *store, data []byte) []byte {
			st.etagFor = func(n int, b []byte) string {
				if n == 2 {
					return "0123456789abcdef0123456789abcdef"
				}
				return Hex(md5sum(b))
			}
			return data
		}},
		{"file changed", func(st *store, data []byte) []byte {
			changed := append([]byte(nil), data...)
			changed[resumePart+10] ^= 0xff // in part 2
			return changed
		}},
		{"part size changed", func(st *store, data []byte) []byte {
			for _, u := range st.uploads {
				u[2] = u[2][:len(u[2])-1]
			}
			return data
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := resumeData(t, 3)
			st := newStore()
			st.failAt, st.failErr = 3, &uploader.Error{Kind: uploader.Timeout}
			j := newJournal()
			obj := uploader.BytesObject("k", data)
			obj.Resume = j
			if _, _, err := attempt(t, st, obj, bytes.NewReader(data)); err == nil {
				t.Fatal("the first attempt did not fail")
			}
			old := j.UploadID("t1")
			data = tc.tamper(st, data)
			obj = uploader.BytesObject("k", data)
			obj.Resume = j
			sentBefore := st.sent
			s, _, err := attempt(t, st, obj, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if len(st.aborted) != 1 || st.aborted[0] != old {
				t.Errorf("aborted %v, want the old upload %s", st.aborted, old)
			}
			if s.id == old {
				t.Error("the old upload was reused")
			}
			if got := st.sent - sentBefore; got != 3 {
				t.Errorf("sent %d parts, want all 3", got)
			}
			if !bytes.Equal(s.assembled, data) {
				t.Error("the assembled object is not the data")
			}
		})
	}
}

// An upload that is gone (NoSuchUpload) is forgotten and a new one starts.
func TestResumeNoSuchUpload(t *testing.T) {
	data := resumeData(t, 3)
	st := newStore()
	j := newJournal()
	j.open["t1"] = "gone"
	obj := uploader.BytesObject("k", data)
	obj.Resume = j
	s, _, err := attempt(t, st, obj, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if s.id == "gone" || st.sent != 3 || len(st.aborted) != 0 {
		t.Errorf("upload %s, %d parts sent, aborted %v; want a new upload of 3 parts and no abort", s.id, st.sent, st.aborted)
	}
	if len(j.ended) < 1 || j.ended[0] != "gone" {
		t.Errorf("ended %v, want the gone upload first", j.ended)
	}
}

// A listing that fails in a way that may pass fails the attempt and keeps
// the upload; one refused for good abandons it.
func TestResumeListFailure(t *testing.T) {
	data := resumeData(t, 3)
	st := newStore()
	id := st.initiate()
	j := newJournal()
	j.open["t1"] = id
	obj := uploader.BytesObject("k", data)
	obj.Resume = j
	st.listErr = &uploader.Error{Kind: uploader.Throttled, Status: 503, Code: "SlowDown"}
	if _, _, err := attempt(t, st, obj, bytes.NewReader(data)); uploader.KindOf(err) != uploader.Throttled {
		t.Fatalf("err %v, want the throttled listing", err)
	}
	if len(st.aborted) != 0 || j.UploadID("t1") != id {
		t.Fatalf("a transient listing failure dropped the upload")
	}
	st.listErr = &uploader.Error{Kind: uploader.AccessDenied, Status: 403, Code: "AccessDenied"}
	s, _, err := attempt(t, st, obj, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.aborted) != 1 || st.aborted[0] != id || s.id == id {
		t.Errorf("aborted %v, upload %s; want %s aborted and a new upload", st.aborted, s.id, id)
	}
}

// A failure that shows the body wrong aborts the upload even with a
// Resumer; without one every failure aborts, as before.
func TestResumeAbortsOnInvalid(t *testing.T) {
	for _, tc := range []struct {
		name   string
		resume bool
		err    error
	}{
		{"invalid with resumer", true, &uploader.Error{Kind: uploader.Invalid, Message: "file changed"}},
		{"integrity with resumer", true, &uploader.Error{Kind: uploader.Integrity}},
		{"transient without resumer", false, &uploader.Error{Kind: uploader.Unavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := resumeData(t, 3)
			st := newStore()
			st.failAt, st.failErr = 2, tc.err
			j := newJournal()
			obj := uploader.BytesObject("k", data)
			if tc.resume {
				obj.Resume = j
			}
			if _, _, err := attempt(t, st, obj, bytes.NewReader(data)); err == nil {
				t.Fatal("no failure")
			}
			if len(st.aborted) != 1 {
				t.Errorf("aborted %v, want the upload aborted", st.aborted)
			}
			if tc.resume && j.UploadID("t1") != "" {
				t.Error("the aborted upload is still open in the journal")
			}
		})
	}
}

// BenchmarkResumeCheck measures what checking a stored part against the
// body costs a resumed upload: the MD5, CRC-64 and CRC-32C of 16 MiB, read
// again.
func BenchmarkResumeCheck(b *testing.B) {
	data := make([]byte, 16<<20)
	rand.New(rand.NewSource(1)).Read(data)
	r := bytes.NewReader(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := digest(r, 0, int64(len(data))); err != nil {
			b.Fatal(err)
		}
	}
}

// TestListAllParts: every page in order, and no endless loop when a server
// says the list goes on without moving its marker.
func TestListAllParts(t *testing.T) {
	var asked []int
	pages := map[int]PartsPage{
		0: {Parts: []Part{{Number: 1}, {Number: 2}}, Next: 2, Truncated: true},
		2: {Parts: []Part{{Number: 3}}, Next: 3, Truncated: false},
	}
	got, err := ListAllParts(context.Background(), func(_ context.Context, marker int) (PartsPage, error) {
		asked = append(asked, marker)
		return pages[marker], nil
	})
	if err != nil || len(got) != 3 || got[2].Number != 3 || len(asked) != 2 {
		t.Fatalf("parts %v, err %v, markers asked %v; want 3 parts from markers 0 and 2", got, err, asked)
	}
	n := 0
	got, err = ListAllParts(context.Background(), func(_ context.Context, marker int) (PartsPage, error) {
		n++
		return PartsPage{Parts: []Part{{Number: 1}}, Next: marker, Truncated: true}, nil
	})
	if err != nil || n != 1 || len(got) != 1 {
		t.Fatalf("stuck marker: %d requests, parts %v, err %v; want one request", n, got, err)
	}
}
