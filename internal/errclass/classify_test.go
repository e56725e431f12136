package errclass

import (
	"context"
	"errors"
	"net/url"
	"syscall"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestClassifyOrder: the outline's rules, each in the order the
// documentation gives.
func TestClassifyOrder(t *testing.T) {
	tgt := Target{Name: "primary", Provider: "s3"}
	refused := errors.New("refused by the server")
	noReply := func(error) (Reply, bool) { return Reply{}, false }
	serverSays := func(err error) (Reply, bool) {
		if errors.Is(err, refused) {
			return Reply{Status: 403, Code: "SignatureDoesNotMatch"}, true
		}
		return Reply{}, false
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	own := &uploader.Error{Kind: uploader.Integrity}
	cases := []struct {
		name    string
		ctx     context.Context
		err     error
		readErr error
		want    uploader.Kind
	}{
		{"an *uploader.Error is kept", context.Background(), own, nil, uploader.Integrity},
		{"unknown context, bare Canceled", nil, context.Canceled, nil, uploader.Canceled},
		{"done context beats a reply", done, refused, nil, uploader.Canceled},
		{"the caller's body failed", context.Background(), refused, errors.New("disk"), uploader.Invalid},
		{"a server reply", context.Background(), refused, nil, uploader.SignatureMismatch},
		{"no reply: refused connection", context.Background(), &url.Error{Op: "Put", URL: "u", Err: syscall.ECONNREFUSED}, nil, uploader.Unavailable},
		{"other url.Error", context.Background(), &url.Error{Op: "Put", URL: "u", Err: errors.New("server closed")}, nil, uploader.Unavailable},
		{"anything else", context.Background(), errors.New("odd"), nil, uploader.Unknown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := Classify(c.ctx, tgt, "put", "k", c.err, c.readErr, serverSays)
			if e.Kind != c.want {
				t.Fatalf("Kind %s, want %s (%v)", e.Kind, c.want, e)
			}
			if e.Target != "primary" || e.Provider != "s3" || e.Op != "put" || e.Key != "k" {
				t.Errorf("names: %q %q %q %q", e.Target, e.Provider, e.Op, e.Key)
			}
		})
	}
	if Classify(context.Background(), tgt, "put", "k", nil, nil, noReply) != nil {
		t.Error("nil error: want nil")
	}
}
