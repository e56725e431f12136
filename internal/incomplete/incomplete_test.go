package incomplete

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// server is a fake ListMultipartUploads over keys, two a page; exact
// makes it take a non-empty prefix for a whole key, as MinIO does.
type server struct {
	keys  []string
	exact bool
	asks  []string
}

func (s *server) page(_ context.Context, prefix, key, id string) (Page, error) {
	s.asks = append(s.asks, fmt.Sprintf("%s|%s|%s", prefix, key, id))
	var match []string
	for _, k := range s.keys {
		if s.exact && prefix != "" && k != prefix || !strings.HasPrefix(k, prefix) || k <= key {
			continue
		}
		match = append(match, k)
	}
	var p Page
	for i, k := range match {
		if i == 2 {
			p.Truncated, p.NextKey, p.NextUploadID = true, match[1], "id-"+match[1]
			break
		}
		p.Uploads = append(p.Uploads, uploader.IncompleteUpload{Key: k, UploadID: "id-" + k})
	}
	return p, nil
}

func keys(us []uploader.IncompleteUpload) string {
	var ks []string
	for _, u := range us {
		ks = append(ks, u.Key)
	}
	return strings.Join(ks, ",")
}

func TestList(t *testing.T) {
	all := []string{"a/1", "a/2", "a/3", "b/1", "c/1"}
	for _, tc := range []struct {
		exact        bool
		prefix, want string
		asks         int
	}{
		{false, "", "a/1,a/2,a/3,b/1,c/1", 3},
		{false, "a/", "a/1,a/2,a/3", 2},
		{true, "a/", "a/1,a/2,a/3", 1 + 3},
		{true, "b/1", "b/1", 1},
		{false, "d/", "", 1 + 3}, // nothing under d/: the whole bucket is asked too
	} {
		s := &server{keys: all, exact: tc.exact}
		got, err := List(context.Background(), tc.prefix, s.page)
		if err != nil || keys(got) != tc.want || len(s.asks) != tc.asks {
			t.Errorf("exact %v, prefix %q: %q, %v after %q; want %q after %d asks", tc.exact, tc.prefix, keys(got), err, s.asks, tc.want, tc.asks)
		}
	}
}

func TestListRepeatedMarkers(t *testing.T) {
	n := 0
	_, err := List(context.Background(), "", func(context.Context, string, string, string) (Page, error) {
		n++
		return Page{Truncated: true, NextKey: "k", NextUploadID: "i"}, nil
	})
	if err == nil || !strings.Contains(err.Error(), "repeats the markers") || n != 2 {
		t.Errorf("%v after %d pages", err, n)
	}
}

func TestListFor(t *testing.T) {
	closed := &uploader.Error{Kind: uploader.Invalid, Message: "closed"}
	called := false
	page := func(context.Context, string, string, string) (Page, error) { called = true; return Page{}, nil }
	if _, err := ListFor(context.Background(), closed, "t", "p", "pre/", page); !errors.Is(err, closed) || called {
		t.Fatalf("after Close: err %v, page called %v; want the closed error and no request", err, called)
	}
	loop := func(context.Context, string, string, string) (Page, error) {
		return Page{Truncated: true, NextKey: "", NextUploadID: ""}, nil
	}
	_, err := ListFor(context.Background(), nil, "t", "p", "pre/", loop)
	e := uploader.AsError(err)
	if e == nil || e.Kind != uploader.Unknown || e.Target != "t" || e.Provider != "p" || e.Key != "pre/" || e.Op != "list_uploads" {
		t.Fatalf("repeated markers: %#v; want an *uploader.Error of Kind Unknown naming target, provider and prefix", err)
	}
	refused := &uploader.Error{Kind: uploader.AccessDenied, Status: 403}
	if _, err := ListFor(context.Background(), nil, "t", "p", "", func(context.Context, string, string, string) (Page, error) {
		return Page{}, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("a refusal: %v; want it as it is", err)
	}
}

func TestAborted(t *testing.T) {
	gone := fmt.Errorf("wrapped: %w", &uploader.Error{Status: 404, Code: "NoSuchUpload"})
	if err := Aborted(gone); err != nil {
		t.Errorf("NoSuchUpload: %v; want nil", err)
	}
	for _, err := range []error{
		&uploader.Error{Status: 404, Code: "NoSuchBucket"},
		&uploader.Error{Status: 403, Code: "NoSuchUpload"},
		fmt.Errorf("plain"),
	} {
		if got := Aborted(err); !errors.Is(got, err) {
			t.Errorf("Aborted(%v) = %v; want it unchanged", err, got)
		}
	}
	if Aborted(nil) != nil {
		t.Error("Aborted(nil) != nil")
	}
}
