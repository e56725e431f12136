package cos

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

const (
	testBucket = "photos-1250000000"
	fakeID     = "AKIDtestkey"
	fakeSecret = "cos-fake-secret-for-tests"
)

func bytesObject(key string, data []byte) uploader.Object {
	return uploader.Object{Key: key, Size: int64(len(data)), Open: func() (uploader.Body, error) {
		return nopBody{bytes.NewReader(data)}, nil
	}}
}

type nopBody struct{ *bytes.Reader }

func (nopBody) Close() error { return nil }

func newFakeBackend(t *testing.T, f *fakeCOS, mod func(*Options)) *Backend {
	t.Helper()
	o := Options{Common: provider.Common{Name: "cos-test", Endpoint: f.srv.URL, Bucket: f.bucket, AccessKeyID: fakeID, SecretAccessKey: fakeSecret, ResponseTimeout: backendtest.ResponseTimeout, MultipartThreshold: 8 << 20, PartSize: 5 << 20}}
	if mod != nil {
		mod(&o)
	}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestNewRefusesKnownMistakes(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"bucket without APPID", Options{Common: provider.Common{Region: "ap-guangzhou", Bucket: "photos"}},
			[]string{`COS bucket "photos" has no -APPID suffix`, "photos-1250000000"}},
		{"bucket without APPID at a local endpoint", Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000", Bucket: "photos"}},
			[]string{"has no -APPID suffix"}},
		{"region contradicts endpoint", Options{Common: provider.Common{Endpoint: "cos.ap-guangzhou.myqcloud.com", Region: "ap-beijing", Bucket: testBucket}},
			[]string{`region "ap-beijing" contradicts the endpoint cos.ap-guangzhou.myqcloud.com, which is in "ap-guangzhou"`}},
		{"bucket domain of another bucket", Options{Common: provider.Common{Endpoint: "https://other-1250000000.cos.ap-guangzhou.myqcloud.com", Bucket: testBucket}},
			[]string{`the endpoint names bucket "other-1250000000" but the bucket is "photos-1250000000"`, "set the endpoint to cos.ap-guangzhou.myqcloud.com"}},
		{"neither endpoint nor region", Options{Common: provider.Common{Bucket: testBucket}},
			[]string{"no endpoint is set", "cos.ap-guangzhou.myqcloud.com"}},
		{"path style with a COS endpoint", Options{Common: provider.Common{Endpoint: "cos.ap-guangzhou.myqcloud.com", Bucket: testBucket}, PathStyle: true},
			[]string{"PathStyle is set but cos.ap-guangzhou.myqcloud.com is a COS endpoint"}},
		{"endpoint with a path", Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000/" + testBucket, Bucket: testBucket}},
			[]string{"has a path or query"}},
		{"secret only", Options{Common: provider.Common{Region: "ap-guangzhou", Bucket: testBucket, SecretAccessKey: fakeSecret}},
			[]string{"the access key ID is empty"}},
		{"secret with a newline", Options{Common: provider.Common{Region: "ap-guangzhou", Bucket: testBucket, AccessKeyID: fakeID, SecretAccessKey: fakeSecret + "\n"}},
			[]string{"holds whitespace"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := New(tt.opts)
			if err == nil {
				b.Close()
				t.Fatalf("New(%+v) succeeded", tt.opts)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), fakeSecret) {
				t.Errorf("error holds the secret: %q", err)
			}
		})
	}
}

func TestNewAddressing(t *testing.T) {
	tests := []struct {
		name      string
		opts      Options
		bucketURL string
		objectURL string // of key "a b/c.txt"
		pathStyle bool
		region    string
	}{
		{"from bucket and region", Options{Common: provider.Common{Region: "ap-guangzhou"}},
			"https://photos-1250000000.cos.ap-guangzhou.myqcloud.com", "https://photos-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b/c.txt", false, "ap-guangzhou"},
		{"region endpoint, upper case", Options{Common: provider.Common{Endpoint: "HTTPS://COS.AP-GUANGZHOU.MYQCLOUD.COM"}},
			"https://photos-1250000000.cos.ap-guangzhou.myqcloud.com", "https://photos-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b/c.txt", false, "ap-guangzhou"},
		{"region endpoint", Options{Common: provider.Common{Endpoint: "cos.ap-guangzhou.myqcloud.com"}},
			"https://photos-1250000000.cos.ap-guangzhou.myqcloud.com", "https://photos-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b/c.txt", false, "ap-guangzhou"},
		{"own bucket domain", Options{Common: provider.Common{Endpoint: "https://photos-1250000000.cos.ap-shanghai.myqcloud.com", Region: "ap-shanghai"}},
			"https://photos-1250000000.cos.ap-shanghai.myqcloud.com", "https://photos-1250000000.cos.ap-shanghai.myqcloud.com/a%20b/c.txt", false, "ap-shanghai"},
		{"local gateway", Options{Common: provider.Common{Endpoint: "http://127.0.0.1:9000"}},
			"http://127.0.0.1:9000", "http://127.0.0.1:9000/photos-1250000000/a%20b/c.txt", true, ""},
		{"custom domain", Options{Common: provider.Common{Endpoint: "https://files.example.com"}},
			"https://files.example.com", "https://files.example.com/a%20b/c.txt", false, ""},
		{"custom domain, path style", Options{Common: provider.Common{Endpoint: "https://s3.example.com"}, PathStyle: true},
			"https://s3.example.com", "https://s3.example.com/photos-1250000000/a%20b/c.txt", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Bucket = testBucket
			b, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if got := b.bucketURL.String(); got != tt.bucketURL {
				t.Errorf("bucket URL = %s, want %s", got, tt.bucketURL)
			}
			if got := b.objectURLOf("a b/c.txt"); got != tt.objectURL {
				t.Errorf("object URL = %s, want %s", got, tt.objectURL)
			}
			if b.pathStyle != tt.pathStyle {
				t.Errorf("path style = %v, want %v", b.pathStyle, tt.pathStyle)
			}
			if d := b.Describe(); d.Region != tt.region || d.Bucket != testBucket || d.Provider != "cos" || d.Name != "cos" {
				t.Errorf("Describe = %+v", d)
			}
		})
	}
}

func TestPutSingleSendsOneSignedPUTWithContentMD5(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	data := []byte("hello, cos")
	var got http.Header
	f.onRequest(func(w http.ResponseWriter, r *http.Request) bool { got = r.Header.Clone(); return false })
	var progress int64
	var mu sync.Mutex
	ctx := uploader.WithProgress(context.Background(), func(n int64) { mu.Lock(); progress += n; mu.Unlock() })
	before := time.Now()
	res, err := b.Put(ctx, bytesObject("dir/hello.txt", data))
	if err != nil {
		t.Fatal(err)
	}
	if reqs := f.requests(); len(reqs) != 1 || reqs[0] != "PUT /"+testBucket+"/dir/hello.txt" {
		t.Fatalf("requests = %q, want one path-style PUT", reqs)
	}
	sum := md5.Sum(data)
	if got.Get("Content-Md5") == "" || res.MD5 != hex.EncodeToString(sum[:]) || res.ETag != res.MD5 {
		t.Errorf("Content-MD5 %q, result MD5 %q ETag %q, want MD5 %x", got.Get("Content-Md5"), res.MD5, res.ETag, sum)
	}
	auth := got.Get("Authorization")
	if !strings.HasPrefix(auth, "q-sign-algorithm=sha1&q-ak="+fakeID+"&") || strings.Contains(auth, fakeSecret) {
		t.Errorf("Authorization = %q", auth)
	}
	// q-sign-time: from a minute before the signing time to SignExpiry
	// (15 minutes) after it.
	st := f.signTimes()[0]
	parts := strings.Split(st, ";")
	start, _ := strconv.ParseInt(parts[0], 10, 64)
	end, _ := strconv.ParseInt(parts[1], 10, 64)
	if end-start != int64((16*time.Minute)/time.Second) || start < before.Add(-signLeeway).Unix()-1 || start > time.Now().Add(-signLeeway).Unix() {
		t.Errorf("q-sign-time %s: want [now-1m, now+15m]", st)
	}
	if res.Size != int64(len(data)) || res.Target != "cos-test" || res.Provider != "cos" ||
		res.URL != f.srv.URL+"/"+testBucket+"/dir/hello.txt" || len(res.Attempts) != 1 || res.Attempts[0].Err != nil {
		t.Errorf("result = %+v", res)
	}
	if stored, _ := f.object("dir/hello.txt"); !bytes.Equal(stored, data) {
		t.Errorf("stored %q", stored)
	}
	if progress != int64(len(data)) {
		t.Errorf("progress = %d, want %d", progress, len(data))
	}
}

func TestPutEmptyObject(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	var te []string
	var cl int64 = -1
	f.onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		te, cl = r.TransferEncoding, r.ContentLength
		return false
	})
	if _, err := b.Put(context.Background(), bytesObject("empty", nil)); err != nil {
		t.Fatal(err)
	}
	if len(te) != 0 || cl != 0 {
		t.Errorf("empty PUT sent Transfer-Encoding %q, Content-Length %d; want a plain empty body", te, cl)
	}
	if data, ok := f.object("empty"); !ok || len(data) != 0 {
		t.Errorf("stored %q, %v", data, ok)
	}
}

func TestPutWrongMD5IsIntegrityAndStoresNothing(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	obj := bytesObject("k", []byte("abc"))
	obj.MD5 = make([]byte, 16)
	_, err := b.Put(context.Background(), obj)
	if k := uploader.KindOf(err); k != uploader.Integrity {
		t.Fatalf("kind = %v (%v), want integrity", k, err)
	}
	if _, ok := f.object("k"); ok {
		t.Error("object stored despite a wrong MD5")
	}
}

func TestPutSendsExactlyOneRequestOnServerErrors(t *testing.T) {
	for _, status := range []int{500, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			f := newFakeCOS(t, testBucket)
			b := newFakeBackend(t, f, nil)
			f.onRequest(func(w http.ResponseWriter, r *http.Request) bool {
				f.writeError(w, r, status, "InternalError", "try again")
				return true
			})
			_, err := b.Put(context.Background(), bytesObject("k", []byte("abc")))
			if k := uploader.KindOf(err); k != uploader.Unavailable {
				t.Errorf("kind = %v, want unavailable", k)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (SDK retries must be off)", n)
			}
			// Bodiless calls go through the SDK's other retry loop.
			if _, err := b.Stat(context.Background(), "k"); uploader.KindOf(err) != uploader.Unavailable {
				t.Errorf("Stat: %v, want unavailable", err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d requests after Stat, want 2", n)
			}
		})
	}
}

func TestPutMissingCRCIsIntegrity(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	f.noCRC.Store(true)
	b := newFakeBackend(t, f, nil)
	_, err := b.Put(context.Background(), bytesObject("k", []byte("abc")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Integrity || e.Target != "cos-test" || e.Op != "put" {
		t.Fatalf("err = %v, want an integrity *Error from put", err)
	}
}

func TestPutCorrectsClockSkewOnce(t *testing.T) {
	for _, offset := range []time.Duration{31 * time.Minute, -31 * time.Minute} {
		t.Run(offset.String(), func(t *testing.T) {
			f := newFakeCOS(t, testBucket)
			f.offset.Store(int64(offset))
			b := newFakeBackend(t, f, nil)
			res, err := b.Put(context.Background(), bytesObject("k1", []byte("first")))
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Attempts) != 2 {
				t.Fatalf("attempts = %+v, want 2", res.Attempts)
			}
			a0, a1 := res.Attempts[0], res.Attempts[1]
			if a0.Kind != uploader.ClockSkew || a0.SkewCorrected || !gatewayharness.Near(a0.Skew, offset) || a0.Status != 403 || a0.Code != "AccessDenied" {
				t.Errorf("first attempt = %+v, want a ClockSkew 403 with skew ≈ %v", a0, offset)
			}
			if a1.Err != nil || !a1.SkewCorrected {
				t.Errorf("second attempt = %+v, want a corrected success", a1)
			}
			res, err = b.Put(context.Background(), bytesObject("k2", []byte("second")))
			if err != nil || len(res.Attempts) != 1 || !res.Attempts[0].SkewCorrected {
				t.Errorf("next put: %v, attempts %+v; want one corrected attempt", err, res.Attempts)
			}
			if off, ok := b.Skew(); !ok || !gatewayharness.Near(off, offset) {
				t.Errorf("Skew() = %v, %v", off, ok)
			}
		})
	}
}

func TestConcurrentPutsShareTheSkewEstimate(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	f.offset.Store(int64(31 * time.Minute))
	b := newFakeBackend(t, f, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := b.Put(context.Background(), bytesObject("c/"+strconv.Itoa(i), []byte("x")))
			if err == nil && len(res.Attempts) > 2 {
				err = errors.New("more than two attempts")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// At most one refusal per Put, and once measured, none.
	refused := 0
	for _, st := range f.signTimes() {
		start, _ := strconv.ParseInt(strings.SplitN(st, ";", 2)[0], 10, 64)
		if time.Unix(start, 0).Before(time.Now().Add(20 * time.Minute)) {
			refused++
		}
	}
	if refused > 16 {
		t.Errorf("%d uncorrected requests for 16 puts", refused)
	}
	res, err := b.Put(context.Background(), bytesObject("after", []byte("x")))
	if err != nil || len(res.Attempts) != 1 {
		t.Errorf("put after the concurrent ones: %v, %d attempts", err, len(res.Attempts))
	}
}

func TestDisableSkewCorrectionReportsClockSkewWithHints(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	f.offset.Store(int64(31 * time.Minute))
	b := newFakeBackend(t, f, func(o *Options) { o.DisableSkewCorrection = true })
	res, err := b.Put(context.Background(), bytesObject("k", []byte("abc")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.ClockSkew {
		t.Fatalf("err = %v, want clock_skew", err)
	}
	if len(res.Attempts) != 1 || len(f.requests()) != 1 {
		t.Errorf("%d attempts, %d requests; want 1 and 1", len(res.Attempts), len(f.requests()))
	}
	if !gatewayharness.Near(e.Skew, 31*time.Minute) {
		t.Errorf("skew = %v, want ≈ 31m", e.Skew)
	}
	hints := strings.Join(e.Hints, "\n")
	// The fake's Date has whole seconds: the hint names the skew measured
	// (30m59s or 31m0s), not a fixed text.
	if !strings.Contains(hints, "skew correction is off") || !strings.Contains(hints, e.Skew.Round(time.Second).String()) {
		t.Errorf("hints = %q", hints)
	}
}

func TestMultipartUploadsPartsAndVerifiesSize(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	data := bytes.Repeat([]byte("0123456789abcdef"), (12<<20)/16+3) // 12 MiB + 48 bytes: 3 parts
	obj := bytesObject("big/object.bin", data)
	sum := md5.Sum(data)
	obj.MD5 = sum[:]
	var progress int64
	var mu sync.Mutex
	ctx := uploader.WithProgress(context.Background(), func(n int64) { mu.Lock(); progress += n; mu.Unlock() })
	res, err := b.Put(ctx, obj)
	if err != nil {
		t.Fatal(err)
	}
	if stored, _ := f.object("big/object.bin"); !bytes.Equal(stored, data) {
		t.Fatalf("stored %d bytes, differ from the %d sent", len(stored), len(data))
	}
	var puts, heads int
	for _, r := range f.requests() {
		switch {
		case strings.HasPrefix(r, "PUT ") && strings.Contains(r, "partNumber="):
			puts++
		case strings.HasPrefix(r, "HEAD "):
			heads++
		}
	}
	if puts != 3 || heads != 1 {
		t.Errorf("%d part PUTs and %d HEADs, want 3 and 1: %q", puts, heads, f.requests())
	}
	if res.Size != int64(len(data)) || res.ETag == "" || len(res.Attempts) != 1 || res.Attempts[0].Err != nil {
		t.Errorf("result = %+v", res)
	}
	if progress != int64(len(data)) {
		t.Errorf("progress = %d, want %d", progress, len(data))
	}
}

// TestPutUnverifiedObjectIsDeleted: a single PUT stored, whose reply does
// not verify it (no CRC64), fails with Kind Integrity and the object is
// deleted; when the delete fails too, the error says the object is still
// there.
func TestPutUnverifiedObjectIsDeleted(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	f.noCRC.Store(true)
	b := newFakeBackend(t, f, nil)
	_, err := b.Put(context.Background(), bytesObject("k", []byte("abc")))
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.HasSuffix(e.Message, "; the object was deleted") {
		t.Fatalf("err = %v, want Kind Integrity saying the object was deleted", err)
	}
	if _, ok := f.object("k"); ok {
		t.Error("the object that failed verification is still there")
	}
	refuse := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodDelete {
			return false
		}
		f.writeError(w, r, http.StatusForbidden, "AccessDenied", "no delete")
		return true
	}
	f.fail.Store(&refuse)
	_, err = b.Put(context.Background(), bytesObject("k", []byte("abc")))
	if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "deleting the object also failed, so it is still there") {
		t.Fatalf("err = %v, want Kind Integrity saying the delete failed", err)
	}
}

func TestMultipartWrongObjectCRCIsIntegrityAndDeletesIt(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	f.badCompleteCRC.Store(true)
	b := newFakeBackend(t, f, nil)
	_, err := b.Put(context.Background(), bytesObject("big", make([]byte, 11<<20)))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Integrity || !strings.Contains(e.Message, "CRC64 12345") {
		t.Fatalf("err = %v, want integrity naming the server's CRC", err)
	}
	if _, ok := f.object("big"); ok {
		t.Error("the object that failed verification is still there")
	}
}

// TestMultipartPartChecksums: a part goes without Content-MD5 and is
// verified by the CRC-64 COS returns for it (x-cos-hash-crc64ecma), which
// the SDK compares with that of the bytes sent; a part whose CRC-64
// differs fails the upload with Kind Integrity and the upload is aborted.
// A reply without a CRC-64 (a store that computes none, so verified
// nothing) gets the part sent again with Content-MD5, and every later part
// of the backend, in this upload and the next, carries Content-MD5.
func TestMultipartPartChecksums(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), (12<<20)/16+3) // 3 parts
	oneAtATime := func(o *Options) { o.PartConcurrency = 1 }
	stored := func(t *testing.T, f *fakeCOS, key string) {
		t.Helper()
		if got, _ := f.object(key); !bytes.Equal(got, data) {
			t.Fatal("the stored object is not the body")
		}
	}
	aborted := func(t *testing.T, f *fakeCOS) {
		t.Helper()
		if n := f.pendingUploads(); n != 0 {
			t.Errorf("%d multipart uploads left, want 0 (aborted)", n)
		}
		if _, ok := f.object("big"); ok {
			t.Error("object visible after a part failed its check")
		}
	}
	t.Run("sent without Content-MD5, checked by its CRC-64", func(t *testing.T) {
		f := newFakeCOS(t, testBucket)
		b := newFakeBackend(t, f, oneAtATime)
		res, err := b.Put(context.Background(), bytesObject("big", data))
		if err != nil {
			t.Fatal(err)
		}
		stored(t, f, "big")
		if got, want := f.partPuts(), []string{"1:false", "2:false", "3:false"}; !slices.Equal(got, want) {
			t.Errorf("part PUTs (number:Content-MD5) = %v, want %v", got, want)
		}
		if res.Unverified != "" {
			t.Errorf("Unverified = %q", res.Unverified)
		}
	})
	t.Run("part crc differs", func(t *testing.T) {
		f := newFakeCOS(t, testBucket)
		f.badPartCRC.Store(2)
		b := newFakeBackend(t, f, oneAtATime)
		_, err := b.Put(context.Background(), bytesObject("big", data))
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || e.Op != "upload_part" || !strings.Contains(e.Message, "CRC64") {
			t.Fatalf("err = %v, want integrity from upload_part naming the CRC64", err)
		}
		aborted(t, f)
		// Not sent again with Content-MD5: the part was verified, and wrong.
		if got, want := f.partPuts(), []string{"1:false", "2:false"}; !slices.Equal(got, want) {
			t.Errorf("part PUTs (number:Content-MD5) = %v, want %v", got, want)
		}
	})
	t.Run("no part crc", func(t *testing.T) {
		f := newFakeCOS(t, testBucket)
		f.noCRC.Store(true)
		b := newFakeBackend(t, f, oneAtATime)
		if _, err := b.Put(context.Background(), bytesObject("big", data)); err != nil {
			t.Fatal(err)
		}
		stored(t, f, "big")
		if got, want := f.partPuts(), []string{"1:false", "1:true", "2:true", "3:true"}; !slices.Equal(got, want) {
			t.Errorf("part PUTs (number:Content-MD5) = %v, want %v: part 1 without, again with, then every part with", got, want)
		}
		if _, err := b.Put(context.Background(), bytesObject("again", data)); err != nil {
			t.Fatal(err)
		}
		stored(t, f, "again")
		if got, want := f.partPuts()[4:], []string{"1:true", "2:true", "3:true"}; !slices.Equal(got, want) {
			t.Errorf("the next upload's part PUTs = %v, want %v", got, want)
		}
	})
	t.Run("no part crc, parts in parallel", func(t *testing.T) {
		f := newFakeCOS(t, testBucket)
		f.noCRC.Store(true)
		b := newFakeBackend(t, f, nil)
		if _, err := b.Put(context.Background(), bytesObject("big", data)); err != nil {
			t.Fatal(err)
		}
		stored(t, f, "big")
		for _, want := range []string{"1:true", "2:true", "3:true"} {
			if got := f.partPuts(); !slices.Contains(got, want) {
				t.Errorf("part PUTs %v, want %s among them", got, want)
			}
		}
	})
	t.Run("no part crc, then the ETag is not the MD5", func(t *testing.T) {
		f := newFakeCOS(t, testBucket)
		b := newFakeBackend(t, f, oneAtATime)
		f.onRequest(func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Query().Get("partNumber") != "2" {
				return false
			}
			w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
			w.WriteHeader(http.StatusOK)
			return true
		})
		_, err := b.Put(context.Background(), bytesObject("big", data))
		if e := uploader.AsError(err); e == nil || e.Kind != uploader.Integrity || e.Op != "upload_part" || !strings.Contains(e.Message, "ETag") {
			t.Fatalf("err = %v, want integrity from upload_part naming the ETag", err)
		}
		aborted(t, f)
		if got, want := f.partPuts(), []string{"1:false", "2:false", "2:true"}; !slices.Equal(got, want) {
			t.Errorf("part PUTs (number:Content-MD5) = %v, want %v", got, want)
		}
	})
}

func TestMultipartWrongMD5SendsNothing(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	obj := bytesObject("big", make([]byte, 9<<20))
	obj.MD5 = make([]byte, 16)
	_, err := b.Put(context.Background(), obj)
	if k := uploader.KindOf(err); k != uploader.Integrity {
		t.Fatalf("kind = %v (%v), want integrity", k, err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent: %q", n, f.requests())
	}
}

func TestMultipartAbortsOnPartFailure(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	f.onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("partNumber") == "2" {
			f.writeError(w, r, http.StatusServiceUnavailable, "SlowDown", "slow down")
			return true
		}
		return false
	})
	res, err := b.Put(context.Background(), bytesObject("big", make([]byte, 12<<20)))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Throttled || e.Op != "upload_part" || e.Target != "cos-test" {
		t.Fatalf("err = %v, want throttled from upload_part", err)
	}
	if n := f.pendingUploads(); n != 0 {
		t.Errorf("%d multipart uploads left, want 0 (aborted)", n)
	}
	if _, ok := f.object("big"); ok {
		t.Error("object visible after a failed multipart upload")
	}
	if len(res.Attempts) != 1 || res.Attempts[0].Kind != uploader.Throttled {
		t.Errorf("attempts = %+v", res.Attempts)
	}
}

func TestMultipartSkewCorrectedAtInitiate(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	f.offset.Store(int64(31 * time.Minute))
	b := newFakeBackend(t, f, nil)
	data := make([]byte, 11<<20)
	res, err := b.Put(context.Background(), bytesObject("big", data))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attempts) != 2 || res.Attempts[0].Kind != uploader.ClockSkew || !res.Attempts[1].SkewCorrected || res.Attempts[1].Err != nil {
		t.Errorf("attempts = %+v", res.Attempts)
	}
	if stored, _ := f.object("big"); len(stored) != len(data) {
		t.Errorf("stored %d bytes", len(stored))
	}
}

func TestCanceledPutIsCanceledAndLeavesNothing(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	ctx, cancel := context.WithCancel(context.Background())
	f.onRequest(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Has("partNumber") {
			cancel()
			<-r.Context().Done()
			return true
		}
		return false
	})
	_, err := b.Put(ctx, bytesObject("big", make([]byte, 12<<20)))
	if k := uploader.KindOf(err); k != uploader.Canceled {
		t.Fatalf("kind = %v (%v), want canceled", k, err)
	}
	if n := f.pendingUploads(); n != 0 {
		t.Errorf("%d multipart uploads left after cancel", n)
	}
}

func TestStatGetDelete(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	ctx := context.Background()
	_, err := b.Stat(ctx, "nope")
	if !uploader.IsNotFound(err) {
		t.Fatalf("Stat of a missing key: %v, want not found", err)
	}
	if e := uploader.AsError(err); e.Code != "NoSuchKey" || e.Status != 404 {
		t.Errorf("Stat error = %+v", e)
	}
	if _, err := b.Put(ctx, bytesObject("k", []byte("abc"))); err != nil {
		t.Fatal(err)
	}
	info, err := b.Stat(ctx, "k")
	if err != nil || info.Size != 3 || info.ETag == "" {
		t.Fatalf("Stat = %+v, %v", info, err)
	}
	rc, err := b.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "abc" {
		t.Errorf("Get = %q", data)
	}
	if err := b.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "k"); err != nil {
		t.Errorf("deleting a missing key: %v", err)
	}
	if _, ok := f.object("k"); ok {
		t.Error("object still there after Delete")
	}
}

func TestMissingBucketIsBucketNotFoundWithHint(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, func(o *Options) { o.Bucket = "other-1250000000" })
	_, err := b.Put(context.Background(), bytesObject("k", []byte("abc")))
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.BucketNotFound || e.Code != "NoSuchBucket" || e.RequestID != "fake-req-1" {
		t.Fatalf("err = %#v", err)
	}
	if len(e.Hints) == 0 || !strings.Contains(e.Hints[0], "-APPID") {
		t.Errorf("hints = %q", e.Hints)
	}
	if !strings.Contains(e.Message, "trace id fake-trace-1") {
		t.Errorf("message %q lacks the trace id", e.Message)
	}
}

func TestClosedBackendRefusesPut(t *testing.T) {
	f := newFakeCOS(t, testBucket)
	b := newFakeBackend(t, f, nil)
	b.Close()
	if _, err := b.Put(context.Background(), bytesObject("k", []byte("abc"))); uploader.KindOf(err) != uploader.Invalid {
		t.Errorf("Put after Close: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests after Close", n)
	}
}
