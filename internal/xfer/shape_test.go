package xfer

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

func TestConfigError(t *testing.T) {
	err := ConfigError("tos", "", errors.New("no endpoint is set"))
	if got, want := err.Error(), `tos target "tos": no endpoint is set`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := ConfigError("s3", "minio", errors.New("x")); !strings.HasPrefix(err.Error(), `s3 target "minio": `) {
		t.Errorf("got %q", err)
	}
	if ConfigError("s3", "x", nil) != nil {
		t.Error("a nil error was wrapped")
	}
}

func TestSizesCheck(t *testing.T) {
	for _, tc := range []struct {
		s    Sizes
		want string // "" for accepted
	}{
		{Sizes{}, ""},
		{Sizes{PartSize: 1, PartConcurrency: 64, MultipartThreshold: MaxSinglePut}, ""},
		{Sizes{MultipartThreshold: MaxSinglePut + 1}, "MultipartThreshold 5368709121 is above"},
		{Sizes{PartSize: MaxPartSize + 1}, "PartSize 5368709121 is above"},
		{Sizes{PartConcurrency: -1}, "must not be negative"},
	} {
		err := tc.s.Check()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v refused: %v", tc.s, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: err = %v, want one containing %q", tc.s, err, tc.want)
		}
	}
	if d := (Sizes{PartSize: 7}).WithDefaults(); d != (Sizes{PartSize: 7, PartConcurrency: DefaultConcurrency, MultipartThreshold: DefaultThreshold}) {
		t.Errorf("WithDefaults = %+v", d)
	}
}

type idleCloser struct{ closed int }

func (c *idleCloser) CloseIdleConnections() { c.closed++ }

func TestCloser(t *testing.T) {
	var c Closer
	if err := c.Err("t", "p", "put", "k"); err != nil {
		t.Fatalf("an open Closer says %v", err)
	}
	rt := &idleCloser{}
	c.Close(rt)
	c.Close(nil)
	if rt.closed != 1 || !c.Closed() {
		t.Fatalf("idle connections closed %d times, Closed() = %v", rt.closed, c.Closed())
	}
	e := uploader.AsError(c.Err("t", "p", "put", "k"))
	if e == nil || e.Kind != uploader.Invalid || e.Target != "t" || e.Op != "put" || e.Key != "k" {
		t.Fatalf("after Close: %#v", e)
	}
}

func TestNotFound(t *testing.T) {
	for _, tc := range []struct {
		in   uploader.Error
		kind uploader.Kind
		code string
	}{
		{uploader.Error{Status: 404, Kind: uploader.Unknown}, uploader.Invalid, "NoSuchKey"},
		{uploader.Error{Status: 404, Code: "NoSuchKey", Kind: uploader.Unknown, Hints: []string{"x"}}, uploader.Invalid, "NoSuchKey"},
		{uploader.Error{Status: 404, Code: "NoSuchBucket", Kind: uploader.BucketNotFound}, uploader.BucketNotFound, "NoSuchBucket"},
		{uploader.Error{Status: 404, Kind: uploader.Canceled}, uploader.Canceled, ""},
		{uploader.Error{Status: 403, Code: "AccessDenied", Kind: uploader.AccessDenied}, uploader.AccessDenied, "AccessDenied"},
	} {
		in := tc.in
		got := uploader.AsError(NotFound(&in))
		if Missing(&uploader.Error{Status: tc.in.Status, Code: tc.in.Code, Kind: tc.in.Kind}) != (tc.code == "NoSuchKey") {
			t.Errorf("Missing(%+v) = %v", tc.in, !(tc.code == "NoSuchKey"))
		}
		if got.Kind != tc.kind || got.Code != tc.code {
			t.Errorf("NotFound(%+v) = kind %s code %q, want %s %q", tc.in, got.Kind, got.Code, tc.kind, tc.code)
		}
		if tc.code == "NoSuchKey" && (len(got.Hints) != 0 || !uploader.IsNotFound(got)) {
			t.Errorf("NotFound(%+v) kept hints %q or is not IsNotFound", tc.in, got.Hints)
		}
	}
	if NotFound(nil) != nil || Missing(nil) {
		t.Error("NotFound(nil) != nil or Missing(nil)")
	}
}

func TestETagDiffers(t *testing.T) {
	sum, _ := MD5(strings.NewReader("hello"), 0, 5)
	for etag, want := range map[string]bool{
		Hex(sum):                              false,
		`"` + strings.ToUpper(Hex(sum)) + `"`: false,
		"00000000000000000000000000000000":    true,
		"00000000000000000000000000000000-2":  false,
		"":                                    false,
	} {
		if got := ETagDiffers(etag, sum); got != want {
			t.Errorf("ETagDiffers(%q) = %v", etag, got)
		}
	}
}

func TestDiscard(t *testing.T) {
	var deleted []string
	var deadline bool
	ok := func(ctx context.Context, key string) error {
		_, deadline = ctx.Deadline()
		deleted = append(deleted, key)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the delete runs anyway
	e := Discard(ctx, ok, "k", &uploader.Error{Kind: uploader.Integrity, Message: "the ETag differs"})
	if len(deleted) != 1 || !deadline || e.Message != "the ETag differs; the object was deleted" || len(e.Hints) != 0 {
		t.Fatalf("deleted %q (deadline %v), error %q hints %q", deleted, deadline, e.Message, e.Hints)
	}
	fails := func(context.Context, string) error { return errors.New("403 AccessDenied") }
	e = Discard(context.Background(), fails, "k", &uploader.Error{Kind: uploader.Integrity, Message: "the ETag differs"})
	if !strings.Contains(e.Message, "deleting the object also failed, so it is still there: 403 AccessDenied") ||
		len(e.Hints) != 1 || !strings.Contains(e.Hints[0], `delete "k" by hand`) {
		t.Fatalf("a failed delete: %q, hints %q", e.Message, e.Hints)
	}
}
