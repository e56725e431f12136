package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/uploader"
)

var castagnoliTest = crc32.MakeTable(crc32.Castagnoli)

func crcB64(c uint32) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, c))
}

// partSeen is what the fake received for one part request.
type partSeen struct {
	n      int
	crcHdr string // x-amz-checksum-crc32c sent
	md5Hdr string // Content-MD5 sent
	ok     bool   // the part was stored
}

// crcFake is a fake S3 that stores multipart uploads in memory. With echo
// it honours x-amz-checksum-crc32c (rejects a mismatch, echoes a match)
// and answers the composite CRC-32C at completion; without, it ignores
// the header (a store without flexible checksums). It always checks a
// Content-MD5 that is sent.
type crcFake struct {
	echo           bool
	wrongComposite bool // the completion's CRC-32C is not the parts'
	wrongETag      bool // the completion's ETag is not the parts' composite
	noComposite    bool // the completion carries no CRC-32C
	fullObject     bool // the completion's CRC-32C is of type FULL_OBJECT (not the parts' composite)
	rejectPart     int  // this part is refused as a checksum mismatch
	echoWrong      int  // this part's echo is another value

	mu       sync.Mutex
	algo     []string // x-amz-checksum-algorithm of each initiate
	seen     []partSeen
	crcs     map[int]uint32
	md5s     map[int][]byte
	sizes    map[int]int64
	deletes  int
	aborts   int
	complete string // the last completion's request body
}

func (f *crcFake) start(t *testing.T) string {
	f.crcs, f.md5s, f.sizes = map[int]uint32{}, map[int][]byte{}, map[int]int64{}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (f *crcFake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		f.algo = append(f.algo, r.Header.Get("X-Amz-Checksum-Algorithm"))
		f.crcs, f.md5s, f.sizes = map[int]uint32{}, map[int][]byte{}, map[int]int64{}
		_, _ = io.WriteString(w, `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && q.Has("uploadId"):
		f.putPart(w, r, body)
	case r.Method == http.MethodPost && q.Has("uploadId"):
		f.completeUpload(w, body)
	case r.Method == http.MethodHead:
		size := int64(0)
		for _, n := range f.sizes {
			size += n
		}
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Last-Modified", time.Now().UTC().Format(http.TimeFormat))
	case r.Method == http.MethodDelete:
		if q.Has("uploadId") {
			f.aborts++
		} else {
			f.deletes++
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

func (f *crcFake) putPart(w http.ResponseWriter, r *http.Request, body []byte) {
	n, _ := strconv.Atoi(r.URL.Query().Get("partNumber"))
	s := partSeen{n: n, crcHdr: r.Header.Get("X-Amz-Checksum-Crc32c"), md5Hdr: r.Header.Get("Content-Md5")}
	crc, sum := crc32.Checksum(body, castagnoliTest), md5.Sum(body)
	bad := func(code string) {
		f.seen = append(f.seen, s)
		xmlError(w, 400, `<Error><Code>`+code+`</Code><Message>checksum mismatch</Message></Error>`)
	}
	if s.md5Hdr != "" && s.md5Hdr != base64.StdEncoding.EncodeToString(sum[:]) {
		bad("BadDigest")
		return
	}
	if f.echo && s.crcHdr != "" {
		if n == f.rejectPart || s.crcHdr != crcB64(crc) {
			bad("XAmzContentChecksumMismatch")
			return
		}
		echo := s.crcHdr
		if n == f.echoWrong {
			echo = crcB64(crc + 1)
		}
		w.Header().Set("X-Amz-Checksum-Crc32c", echo)
	}
	s.ok = true
	f.seen = append(f.seen, s)
	f.crcs[n], f.md5s[n] = crc, sum[:]
	f.sizes[n] = int64(len(body))
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
}

func (f *crcFake) completeUpload(w http.ResponseWriter, body []byte) {
	f.complete = string(body)
	var req struct {
		Parts []struct{ PartNumber int } `xml:"Part"`
	}
	_ = xml.Unmarshal(body, &req)
	var cat []byte
	h := md5.New()
	for _, p := range req.Parts {
		cat = binary.BigEndian.AppendUint32(cat, f.crcs[p.PartNumber])
		h.Write(f.md5s[p.PartNumber])
	}
	composite := crc32.Checksum(cat, castagnoliTest)
	if f.wrongComposite {
		composite++
	}
	etag := hex.EncodeToString(h.Sum(nil))
	if f.wrongETag {
		etag = strings.Repeat("0", 32)
	}
	etag += "-" + strconv.Itoa(len(req.Parts))
	sum := ""
	switch {
	case f.echo && f.fullObject:
		sum = fmt.Sprintf(`<ChecksumCRC32C>%s</ChecksumCRC32C><ChecksumType>FULL_OBJECT</ChecksumType>`, crcB64(composite+1))
	case f.echo && !f.noComposite:
		sum = fmt.Sprintf(`<ChecksumCRC32C>%s-%d</ChecksumCRC32C><ChecksumType>COMPOSITE</ChecksumType>`, crcB64(composite), len(req.Parts))
	}
	_, _ = io.WriteString(w, `<CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><ETag>"`+etag+`"</ETag>`+sum+`</CompleteMultipartUploadResult>`)
}

// randomObject is n pseudo-random bytes under key "k" (11 MiB: three
// parts of the fake backend's 5 MiB).
func randomObject(n int) uploader.Object {
	r := rand.New(rand.NewPCG(7, 8))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return uploader.BytesObject("k", b)
}

const crcTestSize = 2*gatewayharness.PartSize + 1<<20

// TestUploadSendsCRC32C: a multipart upload to a store with flexible
// checksums is initiated with CRC32C, sends x-amz-checksum-crc32c and no
// Content-MD5 on every part, names each part's CRC at completion, and
// checks the composite CRC-32C the completion answers: a wrong one is an
// Integrity error and the object is deleted.
func TestUploadSendsCRC32C(t *testing.T) {
	obj := randomObject(crcTestSize)
	f := &crcFake{echo: true}
	b := fakeBackend(t, f.start(t), false)
	res, err := b.Put(context.Background(), obj)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.algo) != 1 || f.algo[0] != "CRC32C" {
		t.Errorf("initiate's checksum algorithm %q", f.algo)
	}
	if len(f.seen) != 3 || len(res.Parts) != 3 {
		t.Fatalf("%d part requests, %d parts", len(f.seen), len(res.Parts))
	}
	for _, s := range f.seen {
		if !s.ok || s.md5Hdr != "" || s.crcHdr != crcB64(f.crcs[s.n]) {
			t.Errorf("part %d: %+v", s.n, s)
		}
		if !strings.Contains(f.complete, "<ChecksumCRC32C>"+crcB64(f.crcs[s.n])+"</ChecksumCRC32C>") {
			t.Errorf("the completion does not name part %d's CRC: %s", s.n, f.complete)
		}
	}
	if f.deletes != 0 {
		t.Errorf("%d deletes", f.deletes)
	}

	bad := &crcFake{echo: true, wrongComposite: true}
	_, err = fakeBackend(t, bad.start(t), false).Put(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "CRC-32C") || bad.deletes != 1 {
		t.Fatalf("wrong composite: %#v, %d deletes", err, bad.deletes)
	}
	// The composite is checked even when the ETag check is off (SSE-KMS
	// changes the ETag, not the checksum).
	bad = &crcFake{echo: true, wrongComposite: true}
	_, err = fakeBackend(t, bad.start(t), true).Put(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || bad.deletes != 1 {
		t.Fatalf("wrong composite, ETag check off: %#v, %d deletes", err, bad.deletes)
	}
	// A FULL_OBJECT checksum is not compared with the composite; the
	// composite ETag checks the object.
	full := &crcFake{echo: true, fullObject: true}
	if _, err := fakeBackend(t, full.start(t), false).Put(context.Background(), obj); err != nil || full.deletes != 0 {
		t.Fatalf("FULL_OBJECT checksum: %v, %d deletes", err, full.deletes)
	}
	full = &crcFake{echo: true, fullObject: true, wrongETag: true}
	_, err = fakeBackend(t, full.start(t), false).Put(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "ETag") || full.deletes != 1 {
		t.Fatalf("FULL_OBJECT checksum, wrong ETag: %#v, %d deletes", err, full.deletes)
	}
	// No composite in the reply: the composite ETag checks the object,
	// as without checksums.
	bad = &crcFake{echo: true, noComposite: true, wrongETag: true}
	_, err = fakeBackend(t, bad.start(t), false).Put(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "ETag") || bad.deletes != 1 {
		t.Fatalf("no composite, wrong ETag: %#v, %d deletes", err, bad.deletes)
	}
}

// TestCRC32CIgnoredFallsBackToMD5: a store that ignores
// x-amz-checksum-crc32c (no echo) verified no part by it: each such part is
// sent again with Content-MD5, the rest of the upload and the backend's
// later uploads use Content-MD5, and the composite ETag checks the object.
func TestCRC32CIgnoredFallsBackToMD5(t *testing.T) {
	obj := randomObject(crcTestSize)
	f := &crcFake{}
	b := fakeBackend(t, f.start(t), false)
	if _, err := b.Put(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	stored := map[int]partSeen{}
	for _, s := range f.seen {
		if s.ok {
			stored[s.n] = s // the last stored request of each part
		}
	}
	if len(stored) != 3 {
		t.Fatalf("parts stored: %+v", f.seen)
	}
	for n, s := range stored {
		if s.md5Hdr == "" {
			t.Errorf("part %d was last stored without Content-MD5: %+v", n, s)
		}
	}
	if !f.seen[0].ok || f.seen[0].crcHdr == "" {
		t.Errorf("the first part request did not try CRC-32C: %+v", f.seen[0])
	}

	// The backend remembers: the next upload sends no CRC-32C at all.
	f.seen = nil
	if _, err := b.Put(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	for _, s := range f.seen {
		if s.crcHdr != "" || s.md5Hdr == "" {
			t.Errorf("second upload, part %d: %+v", s.n, s)
		}
	}
	if len(f.seen) != 3 || f.algo[len(f.algo)-1] != "" {
		t.Errorf("second upload: %d part requests, algorithm %q", len(f.seen), f.algo)
	}

	// The composite ETag still checks the assembled object.
	bad := &crcFake{wrongETag: true}
	_, err := fakeBackend(t, bad.start(t), false).Put(context.Background(), obj)
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "ETag") || bad.deletes != 1 {
		t.Fatalf("fallback, wrong ETag: %#v, %d deletes", err, bad.deletes)
	}
}

// TestCRC32CMismatchIsIntegrity: a part the store refuses as a checksum
// mismatch, or whose echoed CRC-32C is not the one sent, fails the upload
// with Integrity, and the upload is aborted.
func TestCRC32CMismatchIsIntegrity(t *testing.T) {
	obj := randomObject(crcTestSize)
	for _, f := range []*crcFake{{echo: true, rejectPart: 2}, {echo: true, echoWrong: 2}} {
		_, err := fakeBackend(t, f.start(t), false).Put(context.Background(), obj)
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.Integrity || e.Op != "upload_part" {
			t.Fatalf("reject %d, echo wrong %d: %#v", f.rejectPart, f.echoWrong, err)
		}
		if f.aborts != 1 || f.complete != "" {
			t.Errorf("reject %d, echo wrong %d: %d aborts, completion %q", f.rejectPart, f.echoWrong, f.aborts, f.complete)
		}
	}
}
