package cos

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeCOS is a small in-memory COS for unit tests: path-style
// (/bucket/key), CRC64 and Content-MD5 like COS, q-sign-time checked
// against its own clock (real time plus offset) like COS checks it
// (refused with 403 AccessDenied "Request has expired"). It does not verify
// signatures; the gateway in integration/gateway does.
type fakeCOS struct {
	t      *testing.T
	srv    *httptest.Server
	bucket string
	offset atomic.Int64
	// noCRC drops the x-cos-hash-crc64ecma header from replies;
	// badCompleteCRC sends a wrong one on multipart completion.
	noCRC, badCompleteCRC atomic.Bool
	// badPartCRC, if not 0, is the number of a part whose reply carries a
	// wrong x-cos-hash-crc64ecma (the part is stored as received).
	badPartCRC atomic.Int32
	// fail, if set, answers a request instead of the store when it returns
	// true.
	fail atomic.Pointer[func(w http.ResponseWriter, r *http.Request) bool]

	mu      sync.Mutex
	objects map[string][]byte
	uploads map[string]map[int][]byte
	nextID  int
	log     []string // "METHOD path?query", the path decoded
	partMD5 []string // "<part number>:<whether it carried Content-MD5>" of each part PUT
	signs   []string // q-sign-time of each signed request
}

func newFakeCOS(t *testing.T, bucket string) *fakeCOS {
	f := &fakeCOS{t: t, bucket: bucket, objects: map[string][]byte{}, uploads: map[string]map[int][]byte{}}
	f.srv = httptest.NewServer(f)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCOS) now() time.Time { return time.Now().Add(time.Duration(f.offset.Load())) }

func (f *fakeCOS) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeCOS) signTimes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.signs...)
}

// partPuts returns, for each part PUT in the order received, its number
// and whether it carried Content-MD5, as "2:true".
func (f *fakeCOS) partPuts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.partMD5...)
}

func (f *fakeCOS) object(key string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.objects[key]
	return b, ok
}

func (f *fakeCOS) pendingUploads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.uploads)
}

func (f *fakeCOS) onRequest(fn func(w http.ResponseWriter, r *http.Request) bool) { f.fail.Store(&fn) }

type fakeError struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	RequestId string
	TraceId   string
}

func (f *fakeCOS) writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("X-Cos-Request-Id", "fake-req-1")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_ = xml.NewEncoder(w).Encode(fakeError{Code: code, Message: msg, RequestId: "fake-req-1", TraceId: "fake-trace-1"})
	}
}

func (f *fakeCOS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Date", f.now().UTC().Format(http.TimeFormat))
	body, _ := io.ReadAll(r.Body)
	signTime := ""
	if a := r.Header.Get("Authorization"); a != "" {
		for _, kv := range strings.Split(a, "&") {
			if v, ok := strings.CutPrefix(kv, "q-sign-time="); ok {
				signTime = v
			}
		}
	}
	f.mu.Lock()
	line := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		line += "?" + r.URL.RawQuery
	}
	f.log = append(f.log, line)
	if r.Method == http.MethodPut && r.URL.Query().Has("partNumber") {
		f.partMD5 = append(f.partMD5, fmt.Sprintf("%s:%t", r.URL.Query().Get("partNumber"), r.Header.Get("Content-Md5") != ""))
	}
	if signTime != "" {
		f.signs = append(f.signs, signTime)
	}
	f.mu.Unlock()
	if fn := f.fail.Load(); fn != nil && (*fn)(w, r) {
		return
	}
	if signTime != "" {
		parts := strings.SplitN(signTime, ";", 2)
		start, _ := strconv.ParseInt(parts[0], 10, 64)
		end, _ := strconv.ParseInt(parts[len(parts)-1], 10, 64)
		if now := f.now().Unix(); now < start || now > end {
			f.writeError(w, r, http.StatusForbidden, "AccessDenied", "Request has expired")
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+f.bucket+"/")
	if !ok {
		f.writeError(w, r, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist.")
		return
	}
	key := rest
	q := r.URL.Query()
	if md := r.Header.Get("Content-Md5"); md != "" {
		sum := md5.Sum(body)
		if md != base64.StdEncoding.EncodeToString(sum[:]) {
			f.writeError(w, r, http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
			return
		}
	}
	crc := func(b []byte) {
		if !f.noCRC.Load() {
			w.Header().Set("X-Cos-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)), 10))
		}
	}
	etag := func(b []byte) string { s := md5.Sum(b); return `"` + hex.EncodeToString(s[:]) + `"` }
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && q.Has("uploads"):
		f.nextID++
		id := fmt.Sprintf("upload-%d", f.nextID)
		f.uploads[id] = map[int][]byte{}
		fmt.Fprintf(w, "<InitiateMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><UploadId>%s</UploadId></InitiateMultipartUploadResult>", f.bucket, key, id)
	case r.Method == http.MethodPut && q.Has("uploadId"):
		parts, ok := f.uploads[q.Get("uploadId")]
		if !ok {
			f.mu.Unlock()
			f.writeError(w, r, http.StatusNotFound, "NoSuchUpload", "no such upload")
			f.mu.Lock()
			return
		}
		n, _ := strconv.Atoi(q.Get("partNumber"))
		parts[n] = body
		w.Header().Set("ETag", etag(body))
		crc(body)
		if n == int(f.badPartCRC.Load()) {
			w.Header().Set("X-Cos-Hash-Crc64ecma", "12345")
		}
	case r.Method == http.MethodPost && q.Has("uploadId"):
		parts, ok := f.uploads[q.Get("uploadId")]
		if !ok {
			f.mu.Unlock()
			f.writeError(w, r, http.StatusNotFound, "NoSuchUpload", "no such upload")
			f.mu.Lock()
			return
		}
		nums := make([]int, 0, len(parts))
		for n := range parts {
			nums = append(nums, n)
		}
		sort.Ints(nums)
		var all bytes.Buffer
		for _, n := range nums {
			all.Write(parts[n])
		}
		f.objects[key] = all.Bytes()
		delete(f.uploads, q.Get("uploadId"))
		crc(all.Bytes())
		if f.badCompleteCRC.Load() {
			w.Header().Set("X-Cos-Hash-Crc64ecma", "12345")
		}
		fmt.Fprintf(w, "<CompleteMultipartUploadResult><Bucket>%s</Bucket><Key>%s</Key><ETag>\"x-%d\"</ETag></CompleteMultipartUploadResult>", f.bucket, key, len(nums))
	case r.Method == http.MethodDelete && q.Has("uploadId"):
		delete(f.uploads, q.Get("uploadId"))
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodPut:
		f.objects[key] = body
		w.Header().Set("ETag", etag(body))
		crc(body)
	case r.Method == http.MethodHead, r.Method == http.MethodGet:
		b, ok := f.objects[key]
		if !ok {
			f.mu.Unlock()
			f.writeError(w, r, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			f.mu.Lock()
			return
		}
		w.Header().Set("ETag", etag(b))
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(b)
		}
	case r.Method == http.MethodDelete:
		delete(f.objects, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}
