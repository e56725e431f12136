package oss

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

var fakeNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestPutSignsWithClockV1AndV4(t *testing.T) {
	for _, v := range []int{1, 4} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			f := newFakeOSS(t, fakeNow, okPut)
			b := fakeBackend(t, f, func(o *Options) { o.SignatureVersion = v })
			data := []byte("hello, oss")
			res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("dir/a b.txt", data))
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPut || r.Path != "/bkt/dir%2Fa%20b.txt" {
				// The SDK escapes "/" in keys.
				t.Errorf("request %s %s, want path-style PUT /bkt/dir%%2Fa%%20b.txt", r.Method, r.Path)
			}
			if got, want := r.Header.Get("Date"), fakeNow.Format(http.TimeFormat); got != want {
				t.Errorf("Date = %q, want the injected clock %q", got, want)
			}
			if r.Chunked || r.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
				t.Errorf("body sent chunked=%v with Content-Length %q, want a sized body", r.Chunked, r.Header.Get("Content-Length"))
			}
			if got := r.Header.Get("Content-MD5"); got != md5b64(data) {
				t.Errorf("Content-MD5 = %q, want %q", got, md5b64(data))
			}
			auth := r.Header.Get("Authorization")
			if v == 4 {
				if got, want := r.Header.Get("X-Oss-Date"), "20261123T120000Z"; got != want {
					t.Errorf("x-oss-date = %q, want %q", got, want)
				}
				if want := "OSS4-HMAC-SHA256 Credential=" + fakeID + "/20261123/cn-hangzhou/oss/aliyun_v4_request"; !strings.HasPrefix(auth, want) {
					t.Errorf("Authorization = %q, want prefix %q", auth, want)
				}
			} else {
				if r.Header.Get("X-Oss-Date") != "" {
					t.Errorf("V1 sent x-oss-date")
				}
				if !strings.HasPrefix(auth, "OSS "+fakeID+":") {
					t.Errorf("Authorization = %q, want V1", auth)
				}
			}
			if res.MD5 != md5hex(data) || res.Size != int64(len(data)) || res.Target != "oss-test" || res.Provider != "oss" {
				t.Errorf("result %+v", res)
			}
			if want := f.srv.URL + "/bkt/dir/a%20b.txt"; res.URL != want {
				t.Errorf("URL = %q, want %q", res.URL, want)
			}
			if len(res.Attempts) != 1 || res.Attempts[0].Err != nil || res.Attempts[0].SkewCorrected {
				t.Errorf("attempts %+v", res.Attempts)
			}
		})
	}
}

// skewServer refuses every request signed more than 15 minutes from its
// clock (fakeNow + offset) with an OSS RequestTimeTooSkewed, like OSS.
func skewServer(t *testing.T) *fakeOSS {
	var f *fakeOSS
	f = newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
		signed, err := http.ParseTime(r.Header.Get("Date"))
		if v := r.Header.Get("X-Oss-Date"); v != "" {
			signed, err = time.Parse(v4Time, v)
		}
		f.mu.Lock()
		server := f.now.Add(f.offset)
		f.mu.Unlock()
		if d := signed.Sub(server); err != nil || d > 15*time.Minute || d < -15*time.Minute {
			xmlError(w, http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
			return
		}
		okPut(w, r)
	})
	return f
}

func TestPutCorrectsSkewOnce(t *testing.T) {
	for _, v := range []int{1, 4} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			f := skewServer(t)
			f.setOffset(31 * time.Minute)
			b := fakeBackend(t, f, func(o *Options) { o.SignatureVersion = v })
			var progress atomic.Int64
			ctx := uploader.WithProgress(context.Background(), func(n int64) { progress.Add(n) })
			data := bytes.Repeat([]byte("x"), 4096)
			res, err := uploader.New(b).Upload(ctx, uploader.BytesObject("k", data))
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if len(res.Attempts) != 2 {
				t.Fatalf("%d attempts, want 2: %+v", len(res.Attempts), res.Attempts)
			}
			a0, a1 := res.Attempts[0], res.Attempts[1]
			if a0.Kind != uploader.ClockSkew || a0.SkewCorrected || a0.Skew < 30*time.Minute || a0.Skew > 32*time.Minute {
				t.Errorf("first attempt %+v, want clock_skew with skew about 31m", a0)
			}
			if a1.Err != nil || !a1.SkewCorrected {
				t.Errorf("second attempt %+v, want a corrected success", a1)
			}
			reqs := f.requests()
			if got, _ := http.ParseTime(reqs[1].Header.Get("Date")); got.Sub(fakeNow) < 30*time.Minute {
				t.Errorf("retry signed at %v, want about +31m", got)
			}
			if got := progress.Load(); got != int64(len(data)) {
				t.Errorf("progress sums to %d, want %d (the refused attempt rewound)", got, len(data))
			}

			res, err = uploader.New(b).Upload(context.Background(), uploader.BytesObject("k2", data))
			if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
				t.Errorf("next upload: err %v, attempts %+v; want one corrected attempt", err, res.Attempts)
			}
			if d, ok := b.Skew(); !ok || d < 30*time.Minute {
				t.Errorf("Skew() = %v, %v", d, ok)
			}
		})
	}
}

func TestPutEmptyObjectIsSized(t *testing.T) {
	f := newFakeOSS(t, fakeNow, okPut)
	b := fakeBackend(t, f, nil)
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("empty", nil))
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	r := f.requests()[0]
	if r.Chunked || r.Header.Get("Content-Length") != "0" {
		t.Errorf("empty body sent chunked=%v Content-Length=%q; want Content-Length: 0", r.Chunked, r.Header.Get("Content-Length"))
	}
	if res.MD5 != md5hex(nil) {
		t.Errorf("MD5 %s", res.MD5)
	}
}

func TestPutSkewCorrectionDisabled(t *testing.T) {
	f := skewServer(t)
	f.setOffset(-31 * time.Minute)
	b := fakeBackend(t, f, func(o *Options) { o.DisableSkewCorrection = true })
	res, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.ClockSkew {
		t.Fatalf("err = %v, want clock_skew", err)
	}
	if len(f.requests()) != 1 || len(res.Attempts) != 1 {
		t.Errorf("%d requests, %d attempts; want 1 and 1", len(f.requests()), len(res.Attempts))
	}
	if e.Skew > -30*time.Minute || !strings.Contains(strings.Join(e.Hints, "\n"), "skew correction is off") {
		t.Errorf("skew %v, hints %q", e.Skew, e.Hints)
	}
}

func TestPutConcurrentShareEstimate(t *testing.T) {
	f := skewServer(t)
	f.setOffset(31 * time.Minute)
	b := fakeBackend(t, f, nil)
	u := uploader.New(b)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := u.Upload(context.Background(), uploader.BytesObject(fmt.Sprintf("k%d", i), []byte("data")))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Upload: %v", err)
		}
	}
}

func TestPutIntegrityFailures(t *testing.T) {
	tests := []struct {
		name    string
		reply   func(w http.ResponseWriter, r *fakeReq)
		obj     func(data []byte) uploader.Object
		code    string
		deletes int
	}{
		{
			name: "stored crc differs",
			reply: func(w http.ResponseWriter, r *fakeReq) {
				w.Header().Set("X-Oss-Hash-Crc64ecma", "12345")
				w.WriteHeader(200)
			},
			code: "CRCCheckFailed", deletes: 1,
		},
		{
			name: "etag is another md5",
			reply: func(w http.ResponseWriter, r *fakeReq) {
				w.Header().Set("ETag", `"0123456789ABCDEF0123456789ABCDEF"`)
				w.WriteHeader(200)
			},
			deletes: 1,
		},
		{
			name: "server refuses a wrong Content-MD5",
			reply: func(w http.ResponseWriter, r *fakeReq) {
				if r.Header.Get("Content-MD5") != md5b64(r.Body) {
					xmlError(w, 400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
					return
				}
				okPut(w, r)
			},
			obj: func(data []byte) uploader.Object {
				o := uploader.BytesObject("k", data)
				o.MD5 = make([]byte, 16) // not the MD5 of data
				return o
			},
			code: "InvalidDigest",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
				if r.Method == http.MethodDelete {
					w.WriteHeader(http.StatusNoContent)
					return
				}
				tt.reply(w, r)
			})
			b := fakeBackend(t, f, nil)
			data := []byte("payload")
			obj := uploader.BytesObject("k", data)
			if tt.obj != nil {
				obj = tt.obj(data)
			}
			res, err := uploader.New(b).Upload(context.Background(), obj)
			if k := uploader.KindOf(err); k != uploader.Integrity {
				t.Fatalf("err = %v (kind %v), want integrity", err, k)
			}
			if e := uploader.AsError(err); tt.code != "" && e.Code != tt.code {
				t.Errorf("code %q, want %q", e.Code, tt.code)
			}
			if res.Target != "" || res.URL != "" {
				t.Errorf("a failed upload names a target: %+v", res)
			}
			deletes := 0
			for _, r := range f.requests() {
				if r.Method == http.MethodDelete && r.Path == "/bkt/k" {
					deletes++
				}
			}
			if deletes != tt.deletes {
				t.Errorf("%d deletes of the corrupt object, want %d", deletes, tt.deletes)
			}
		})
	}
}

func TestPutNonXMLReply(t *testing.T) {
	f := newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
	})
	b := fakeBackend(t, f, nil)
	_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Unavailable || e.Status != 502 || e.RequestID != "FAKE1" {
		t.Fatalf("err = %#v, want unavailable with status 502 and the request id header", e)
	}
}

func TestPutCanceled(t *testing.T) {
	f := newFakeOSS(t, fakeNow, okPut)
	b := fakeBackend(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := b.Put(ctx, uploader.BytesObject("k", []byte("x")))
	if k := uploader.KindOf(err); k != uploader.Canceled {
		t.Fatalf("err = %v (kind %v), want canceled", err, k)
	}
}

// multipartServer answers the multipart calls like OSS, keeping the parts;
// failPart makes that part number fail with 500, badCRC makes the complete
// reply carry a wrong CRC64, badPartCRC makes that part's reply carry one,
// noCRC omits every CRC64 header. A part's Content-MD5 is checked when
// sent; withMD5 records, for each part PUT, whether it carried one.
type multipartServer struct {
	failPart   int
	failAbort  bool
	badCRC     bool
	badPartCRC int
	noCRC      bool

	mu      sync.Mutex
	parts   map[int][]byte
	ops     []string
	withMD5 []bool
}

func (m *multipartServer) handle(w http.ResponseWriter, r *fakeReq) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tab := crc64.MakeTable(crc64.ECMA)
	crcHeader := func(b []byte) {
		if !m.noCRC {
			w.Header().Set("X-Oss-Hash-Crc64ecma", strconv.FormatUint(crc64.Checksum(b, tab), 10))
		}
	}
	_, uploads := r.Query["uploads"]
	switch {
	case r.Method == http.MethodPost && uploads:
		m.ops = append(m.ops, "initiate")
		m.parts = map[int][]byte{}
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>big</Key><UploadId>UP1</UploadId></InitiateMultipartUploadResult>`)
	case r.Method == http.MethodPut && r.Query.Get("partNumber") != "":
		n, _ := strconv.Atoi(r.Query.Get("partNumber"))
		m.ops = append(m.ops, "part")
		if n == m.failPart {
			xmlError(w, 500, "InternalError", "We encountered an internal error. Please try again.")
			return
		}
		sent := r.Header.Get("Content-MD5")
		m.withMD5 = append(m.withMD5, sent != "")
		if sent != "" && sent != md5b64(r.Body) {
			xmlError(w, 400, "InvalidDigest", "bad md5")
			return
		}
		m.parts[n] = r.Body
		sum := md5.Sum(r.Body)
		w.Header().Set("ETag", `"`+hexUpper(sum[:])+`"`)
		if n == m.badPartCRC {
			crcHeader(append(r.Body, 'x'))
		} else {
			crcHeader(r.Body)
		}
	case r.Method == http.MethodPost && r.Query.Get("uploadId") != "":
		m.ops = append(m.ops, "complete")
		var all []byte
		for i := 1; i <= len(m.parts); i++ {
			all = append(all, m.parts[i]...)
		}
		if m.badCRC {
			all = append(all, 'x')
		}
		crcHeader(all)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Bucket>bkt</Bucket><Key>big</Key><ETag>"ABC-3"</ETag></CompleteMultipartUploadResult>`)
	case r.Method == http.MethodDelete && r.Query.Get("uploadId") != "":
		m.ops = append(m.ops, "abort")
		if m.failAbort {
			xmlError(w, 503, "ServiceUnavailable", "try later")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete:
		m.ops = append(m.ops, "delete")
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodHead:
		m.ops = append(m.ops, "head")
		n := 0
		for _, p := range m.parts {
			n += len(p)
		}
		w.Header().Set("Content-Length", strconv.Itoa(n))
	default:
		xmlError(w, 400, "InvalidRequest", "unexpected "+r.Method)
	}
}

func (m *multipartServer) count(op string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, o := range m.ops {
		if o == op {
			n++
		}
	}
	return n
}

func TestMultipart(t *testing.T) {
	const part = 5 << 20
	data := make([]byte, 2*part+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	tests := []struct {
		name string
		m    *multipartServer
		kind uploader.Kind
		ops  map[string]int
	}{
		{"ok", &multipartServer{}, uploader.OK, map[string]int{"initiate": 1, "part": 3, "complete": 1, "abort": 0, "head": 0}},
		{"ok without crc: size checked", &multipartServer{noCRC: true}, uploader.OK, map[string]int{"complete": 1, "head": 1, "abort": 0}},
		{"part fails: aborted", &multipartServer{failPart: 2}, uploader.Unavailable, map[string]int{"complete": 0, "abort": 1}},
		{"combined crc differs: deleted", &multipartServer{badCRC: true}, uploader.Integrity, map[string]int{"complete": 1, "delete": 1, "abort": 0}},
		{"part and abort fail", &multipartServer{failPart: 1, failAbort: true}, uploader.Unavailable, map[string]int{"complete": 0, "abort": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t, fakeNow, tt.m.handle)
			b := fakeBackend(t, f, func(o *Options) { o.MultipartThreshold = part; o.PartSize = part; o.PartConcurrency = 2 })
			var progress atomic.Int64
			ctx := uploader.WithProgress(context.Background(), func(n int64) { progress.Add(n) })
			res, err := uploader.New(b).Upload(ctx, uploader.BytesObject("big", data))
			if k := uploader.KindOf(err); k != tt.kind {
				t.Fatalf("err = %v (kind %v), want %v", err, k, tt.kind)
			}
			if e := uploader.AsError(err); tt.m.failAbort && (e.Op != "upload_part" || !strings.Contains(e.Message, "aborting the multipart upload also failed")) {
				t.Errorf("op %q message %q; want the part's failure and the abort's", e.Op, e.Message)
			}
			for op, n := range tt.ops {
				if got := tt.m.count(op); got != n {
					t.Errorf("%d %s requests, want %d", got, op, n)
				}
			}
			if err == nil {
				if res.ETag != "ABC-3" || res.Size != int64(len(data)) || res.URL == "" || len(res.Attempts) != 1 {
					t.Errorf("result %+v", res)
				}
				if got := progress.Load(); got != int64(len(data)) {
					t.Errorf("progress %d, want %d", got, len(data))
				}
				var all []byte
				for i := 1; i <= 3; i++ {
					all = append(all, tt.m.parts[i]...)
				}
				if !bytes.Equal(all, data) {
					t.Errorf("the parts do not assemble the body")
				}
			}
		})
	}
}

// TestMultipartPartChecksums: parts go without Content-MD5, checked by the
// CRC-64 OSS returns for each; a part whose CRC-64 differs fails the upload
// (Integrity) and aborts it; a store that returns no CRC-64 gets the part
// again with Content-MD5, and every later part of the backend with it.
func TestMultipartPartChecksums(t *testing.T) {
	const part = 5 << 20
	data := make([]byte, 2*part+123)
	for i := range data {
		data[i] = byte(i * 13)
	}
	upload := func(t *testing.T, m *multipartServer, b *Backend) error {
		t.Helper()
		_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("big", data))
		if err == nil {
			var all []byte
			for i := 1; i <= 3; i++ {
				all = append(all, m.parts[i]...)
			}
			if !bytes.Equal(all, data) {
				t.Errorf("the parts do not assemble the body")
			}
		}
		return err
	}
	opts := func(o *Options) { o.MultipartThreshold, o.PartSize, o.PartConcurrency = part, part, 1 }

	t.Run("crc echoed: no Content-MD5", func(t *testing.T) {
		m := &multipartServer{}
		b := fakeBackend(t, newFakeOSS(t, fakeNow, m.handle), opts)
		if err := upload(t, m, b); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.withMD5, []bool{false, false, false}) {
			t.Errorf("parts sent with Content-MD5: %v, want none", m.withMD5)
		}
	})
	t.Run("part crc differs: integrity, aborted", func(t *testing.T) {
		m := &multipartServer{badPartCRC: 2}
		b := fakeBackend(t, newFakeOSS(t, fakeNow, m.handle), opts)
		err := upload(t, m, b)
		if e := uploader.AsError(err); uploader.KindOf(err) != uploader.Integrity || e.Code != "CRCCheckFailed" {
			t.Fatalf("err = %v (kind %v), want integrity, CRCCheckFailed", err, uploader.KindOf(err))
		}
		if m.count("complete") != 0 || m.count("abort") != 1 {
			t.Errorf("%d completes, %d aborts; want 0 and 1", m.count("complete"), m.count("abort"))
		}
	})
	t.Run("no crc: Content-MD5 from then on", func(t *testing.T) {
		m := &multipartServer{noCRC: true}
		b := fakeBackend(t, newFakeOSS(t, fakeNow, m.handle), opts)
		if err := upload(t, m, b); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.withMD5, []bool{false, true, true, true}) {
			t.Errorf("part PUTs with Content-MD5: %v, want part 1 without, then again with, then every part with", m.withMD5)
		}
		m.withMD5 = nil
		if err := upload(t, m, b); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(m.withMD5, []bool{true, true, true}) {
			t.Errorf("the next upload's parts: %v, want all with Content-MD5", m.withMD5)
		}
	})
}

func TestMultipartRefusesWrongMD5BeforeSending(t *testing.T) {
	m := &multipartServer{}
	f := newFakeOSS(t, fakeNow, m.handle)
	b := fakeBackend(t, f, func(o *Options) { o.MultipartThreshold = 5 << 20 })
	obj := uploader.BytesObject("big", make([]byte, 6<<20))
	sum := md5.Sum([]byte("other"))
	obj.MD5 = sum[:]
	_, err := uploader.New(b).Upload(context.Background(), obj)
	if k := uploader.KindOf(err); k != uploader.Integrity {
		t.Fatalf("kind %v, want integrity", k)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestStatNotFound(t *testing.T) {
	f := newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
		if r.Path == "/bkt/missing" {
			w.WriteHeader(http.StatusNotFound) // HEAD: no body
			return
		}
		w.Header().Set("Content-Length", "5")
		w.Header().Set("ETag", `"E"`)
		w.Header().Set("X-Oss-Meta-Color", "blue")
		w.Header().Set("Last-Modified", fakeNow.Format(http.TimeFormat))
	})
	b := fakeBackend(t, f, nil)
	_, err := b.Stat(context.Background(), "missing")
	if !uploader.IsNotFound(err) {
		t.Fatalf("Stat(missing) = %v, want not found", err)
	}
	if e := uploader.AsError(err); e.Code != "NoSuchKey" || e.Status != 404 {
		t.Errorf("%+v", e)
	}
	info, err := b.Stat(context.Background(), "there")
	if err != nil || info.Size != 5 || info.ETag != "E" || info.Metadata["color"] != "blue" || !info.LastModified.Equal(fakeNow) {
		t.Errorf("Stat = %+v, %v", info, err)
	}
	if err := b.Delete(context.Background(), "missing"); err != nil {
		t.Errorf("Delete(missing) = %v, want nil", err)
	}
}

func TestGetChecksCRC(t *testing.T) {
	data := []byte("stored bytes")
	for _, tt := range []struct {
		name string
		crc  string
		want uploader.Kind
	}{
		{"matching crc", strconv.FormatUint(crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)), 10), uploader.OK},
		{"other crc", "42", uploader.Integrity},
		{"no crc", "", uploader.OK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
				if tt.crc != "" {
					w.Header().Set("X-Oss-Hash-Crc64ecma", tt.crc)
				}
				w.Header().Set("Content-Length", strconv.Itoa(len(data)))
				w.Write(data)
			})
			b := fakeBackend(t, f, nil)
			rc, err := b.Get(context.Background(), "k")
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if k := uploader.KindOf(err); k != tt.want || !bytes.Equal(got, data) {
				t.Errorf("read %q, kind %v (%v); want all bytes and %v", got, k, err, tt.want)
			}
		})
	}
}

func TestSessionTokenAndMetadataSent(t *testing.T) {
	f := newFakeOSS(t, fakeNow, okPut)
	b := fakeBackend(t, f, func(o *Options) { o.SessionToken = "fake-sts-token" })
	obj := uploader.BytesObject("k.bin", []byte("x"))
	obj.ContentType = "application/x-test"
	obj.Metadata = map[string]string{"origin": "unit test"}
	if _, err := uploader.New(b).Upload(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	h := f.requests()[0].Header
	for k, want := range map[string]string{
		"X-Oss-Security-Token": "fake-sts-token",
		"Content-Type":         "application/x-test",
		"X-Oss-Meta-Origin":    "unit test",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

func TestPutRedirectNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFakeOSS(t, fakeNow, func(w http.ResponseWriter, r *fakeReq) {
				w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
				w.WriteHeader(status)
				fmt.Fprint(w, "moved")
			})
			b := fakeBackend(t, f, nil)
			_, err := uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
			e := uploader.AsError(err)
			if e == nil || e.Status != status || e.Kind != uploader.TargetRefused || !strings.Contains(e.Message, "127.0.0.1:1/elsewhere") {
				t.Fatalf("err = %#v, want target_refused (a wrong endpoint) with status %d naming the location", e, status)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests: the redirect was followed", n)
			}
			// The reply's body was closed: the connection went back to the
			// pool, so the next request reuses it.
			_, _ = uploader.New(b).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
			if reqs := f.requests(); len(reqs) != 2 || reqs[0].RemoteAddr != reqs[1].RemoteAddr {
				t.Errorf("the second request came on another connection: the redirect's body was left open")
			}
		})
	}
}
