package uploader_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// fakeBackend is a scripted Backend: Put returns put's answer after reading
// the body, and ErrorKind answers from kinds.
type fakeBackend struct {
	name     string
	provider string // "" means: does not implement Describer
	put      func(ctx context.Context, obj uploader.Object) (uploader.Result, error)
	kind     uploader.Kind

	mu    sync.Mutex
	calls int
	read  [][]byte
}

func (f *fakeBackend) Name() string { return f.name }

func (f *fakeBackend) Put(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	r, body, err := obj.Reader()
	if err != nil {
		return uploader.Result{}, err
	}
	data, err := io.ReadAll(r)
	body.Close()
	if err != nil {
		return uploader.Result{}, err
	}
	f.mu.Lock()
	f.read = append(f.read, data)
	f.mu.Unlock()
	if f.put != nil {
		return f.put(ctx, obj)
	}
	return uploader.Result{URL: "mem://" + obj.Key, Size: int64(len(data))}, nil
}

func (f *fakeBackend) ErrorKind(err error) uploader.Kind { return f.kind }
func (f *fakeBackend) Close() error                      { return nil }

type describedBackend struct{ *fakeBackend }

func (d describedBackend) Describe() uploader.Description {
	return uploader.Description{Name: d.name, Provider: d.provider}
}

func backend(f *fakeBackend) uploader.Backend {
	if f.provider != "" {
		return describedBackend{f}
	}
	return f
}

func TestNewSuccess(t *testing.T) {
	f := &fakeBackend{name: "mem-1", provider: "mem"}
	u := uploader.New(backend(f))
	res, err := u.Upload(context.Background(), uploader.BytesObject("a/b.txt", []byte("hi")))
	if err != nil {
		t.Fatal(err)
	}
	if res.Key != "a/b.txt" || res.Target != "mem-1" || res.Provider != "mem" || res.URL != "mem://a/b.txt" || res.Size != 2 {
		t.Errorf("result = %+v", res)
	}
	if len(res.Attempts) != 1 {
		t.Fatalf("attempts = %+v, want one", res.Attempts)
	}
	a := res.Attempts[0]
	if a.Target != "mem-1" || a.Provider != "mem" || a.Err != nil || a.Kind != uploader.OK || a.Start.IsZero() || a.Elapsed < 0 {
		t.Errorf("attempt = %+v", a)
	}
	if f.calls != 1 || string(f.read[0]) != "hi" {
		t.Errorf("Put calls %d, read %q", f.calls, f.read)
	}
}

func TestNewProviderFromResult(t *testing.T) {
	f := &fakeBackend{name: "x", put: func(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
		return uploader.Result{Provider: "s3"}, nil
	}}
	res, err := uploader.New(f).Upload(context.Background(), uploader.BytesObject("k", nil))
	if err != nil || res.Provider != "s3" || res.Attempts[0].Provider != "s3" {
		t.Errorf("res = %+v, %v", res, err)
	}
}

func TestNewValidates(t *testing.T) {
	f := &fakeBackend{name: "mem-1", provider: "mem"}
	u := uploader.New(backend(f))
	for _, obj := range []uploader.Object{
		uploader.BytesObject("../etc/passwd", []byte("x")),
		uploader.BytesObject("", []byte("x")),
		{Key: "k", Size: 1},
		{Key: "k", Size: -5, Open: uploader.BytesObject("k", nil).Open},
	} {
		res, err := u.Upload(context.Background(), obj)
		if uploader.KindOf(err) != uploader.Invalid {
			t.Errorf("Upload(%q) = %v, want invalid", obj.Key, err)
			continue
		}
		if e := uploader.AsError(err); e.Target != "mem-1" || e.Provider != "mem" {
			t.Errorf("validation error names target %q provider %q; New promises every failure names the target", e.Target, e.Provider)
		}
		if res.Target != "" || res.Key != obj.Key {
			t.Errorf("result = %+v", res)
		}
	}
	if f.calls != 0 {
		t.Errorf("Put called %d times for invalid objects", f.calls)
	}
}

func TestNewClassifiesFailures(t *testing.T) {
	plain := errors.New("connection reset by peer")
	for _, tc := range []struct {
		name     string
		putErr   error
		kind     uploader.Kind // what ErrorKind answers
		want     uploader.Kind
		wantCode string
	}{
		{"plain via ErrorKind", plain, uploader.Unavailable, uploader.Unavailable, ""},
		{"ErrorKind says OK", plain, uploader.OK, uploader.Unknown, ""},
		{"already classified", &uploader.Error{Kind: uploader.SignatureMismatch, Status: 403, Code: "SignatureDoesNotMatch"}, uploader.Unavailable, uploader.SignatureMismatch, "SignatureDoesNotMatch"},
		{"wrapped classified", fmt.Errorf("put: %w", &uploader.Error{Kind: uploader.Throttled, Code: "SlowDown"}), uploader.Unknown, uploader.Throttled, "SlowDown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeBackend{name: "t1", provider: "p", kind: tc.kind,
				put: func(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
					// A failed Put may return a partial result; the
					// Uploader must not present it as a location.
					return uploader.Result{URL: "half://", ETag: "e", MD5: "m", Target: "t1"}, tc.putErr
				}}
			res, err := uploader.New(backend(f)).Upload(context.Background(), uploader.BytesObject("k", []byte("x")))
			if uploader.KindOf(err) != tc.want {
				t.Fatalf("KindOf = %v, want %v (err %v)", uploader.KindOf(err), tc.want, err)
			}
			e := uploader.AsError(err)
			if e.Target != "t1" || e.Provider != "p" || e.Code != tc.wantCode {
				t.Errorf("error = %+v", e)
			}
			if !strings.HasPrefix(err.Error(), "t1 (p): ") {
				t.Errorf("message %q does not start with the target", err)
			}
			if res.Target != "" || res.URL != "" || res.ETag != "" || res.MD5 != "" {
				t.Errorf("failed result still points somewhere: %+v", res)
			}
			if len(res.Attempts) != 1 || res.Attempts[0].Kind != tc.want || res.Attempts[0].Err != err {
				t.Errorf("attempts = %+v", res.Attempts)
			}
		})
	}
}

func TestNewCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := &fakeBackend{name: "t1", kind: uploader.Unavailable,
		put: func(ctx context.Context, obj uploader.Object) (uploader.Result, error) {
			cancel()
			// The SDK saw a torn connection; the cause is the caller.
			return uploader.Result{}, &uploader.Error{Kind: uploader.Unavailable, Op: "put", Key: obj.Key, Message: "connection closed"}
		}}
	_, err := uploader.New(f).Upload(ctx, uploader.BytesObject("k", []byte("x")))
	if uploader.KindOf(err) != uploader.Canceled {
		t.Fatalf("KindOf = %v, want canceled", uploader.KindOf(err))
	}
}

func TestClassify(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	bg := context.Background()
	desc := backend(&fakeBackend{name: "t1", provider: "p", kind: uploader.Throttled})
	bare := &fakeBackend{name: "t2", kind: uploader.Integrity}
	plain := errors.New("boom")

	t.Run("nil", func(t *testing.T) {
		if err := uploader.Classify(bg, desc, nil); err != nil {
			t.Errorf("Classify(nil) = %v", err)
		}
	})
	t.Run("plain", func(t *testing.T) {
		err := uploader.Classify(bg, desc, plain)
		e := uploader.AsError(err)
		if e == nil || e.Kind != uploader.Throttled || e.Target != "t1" || e.Provider != "p" || !errors.Is(err, plain) || e.Message != "boom" {
			t.Errorf("Classify(plain) = %#v", e)
		}
		if err := uploader.Classify(bg, bare, plain); uploader.KindOf(err) != uploader.Integrity || uploader.AsError(err).Provider != "" {
			t.Errorf("without Describer: %#v", uploader.AsError(err))
		}
	})
	t.Run("keeps a named error", func(t *testing.T) {
		in := fmt.Errorf("ctx: %w", &uploader.Error{Kind: uploader.AccessDenied, Target: "other"})
		if got := uploader.Classify(bg, desc, in); got != in {
			t.Errorf("Classify rewrapped an error that names its target: %v", got)
		}
	})
	t.Run("names an unnamed error", func(t *testing.T) {
		in := &uploader.Error{Kind: uploader.BucketNotFound, Code: "NoSuchBucket"}
		got := uploader.AsError(uploader.Classify(bg, desc, in))
		if got.Kind != uploader.BucketNotFound || got.Target != "t1" || got.Provider != "p" || got.Code != "NoSuchBucket" {
			t.Errorf("got %+v", got)
		}
		if in.Target != "" {
			t.Errorf("Classify modified its argument")
		}
		keepProv := &uploader.Error{Kind: uploader.Unavailable, Provider: "tos"}
		if got := uploader.AsError(uploader.Classify(bg, desc, keepProv)); got.Provider != "tos" {
			t.Errorf("provider overwritten: %q", got.Provider)
		}
	})
	t.Run("canceled wins", func(t *testing.T) {
		for _, in := range []error{
			plain,
			&uploader.Error{Kind: uploader.Unavailable, Op: "upload_part", Key: "k", Provider: "tos"},
			&uploader.Error{Kind: uploader.Timeout, Target: "t1"},
		} {
			err := uploader.Classify(canceled, desc, in)
			e := uploader.AsError(err)
			if e.Kind != uploader.Canceled || e.Target != "t1" || !errors.Is(err, in) {
				t.Errorf("Classify(canceled ctx, %v) = %+v", in, e)
			}
			if ie := uploader.AsError(in); ie != nil && (e.Op != ie.Op || e.Key != ie.Key || e.Provider != ie.Provider) {
				t.Errorf("op/key/provider lost: %+v from %+v", e, ie)
			}
			if !strings.Contains(e.Message, "context canceled") {
				t.Errorf("message %q does not say why", e.Message)
			}
		}
	})
	t.Run("canceled error gets a target", func(t *testing.T) {
		in := &uploader.Error{Kind: uploader.Canceled, Op: "put"}
		got := uploader.AsError(uploader.Classify(canceled, desc, in))
		if got.Kind != uploader.Canceled || got.Target != "t1" || got.Op != "put" {
			t.Errorf("got %+v", got)
		}
	})
}

// TestNewConcurrent runs many uploads at once through one Uploader, for -race.
func TestNewConcurrent(t *testing.T) {
	f := &fakeBackend{name: "t", provider: "p"}
	u := uploader.New(backend(f))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i)
			res, err := u.Upload(context.Background(), uploader.BytesObject(key, []byte(key)))
			if err != nil || res.Key != key {
				t.Errorf("upload %s: %+v, %v", key, res, err)
			}
		})
	}
	wg.Wait()
	if f.calls != 16 {
		t.Errorf("calls = %d", f.calls)
	}
}
