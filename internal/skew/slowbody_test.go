package skew

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// slowBody is a request body whose reading takes a long time on the fake
// clock: each Read moves the clock by step, as a slow link would.
type slowBody struct {
	r    io.Reader
	fc   *fakeClock
	step time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(p) > 1024 {
		p = p[:1024]
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.fc.Advance(b.step)
	}
	return n, err
}

// A request with a body is measured at the reply, not from the time the
// request started nor from the time its body was written whole: a correct
// server clock is not taken for one that is ahead by half the upload's
// duration, nor by half the time the server still read what the socket
// buffers held.
func TestTransportMeasuresAtTheReply(t *testing.T) {
	fc := &fakeClock{t: base}
	// The server answers with its (correct) clock, the fake clock, read
	// after it received the whole body; it went on reading for 5 s after
	// the client had written the last byte (the socket buffers of a slow
	// link).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		fc.Advance(5 * time.Second)
		w.Header().Set("Date", fc.Now().UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	c := New(Options{Now: fc.Now})
	cl := &http.Client{Transport: &Transport{Clock: c}}
	// 64 reads of 1 KiB, 1 s each: the body takes 64 s to send.
	body := &slowBody{r: strings.NewReader(strings.Repeat("x", 64<<10)), fc: fc, step: time.Second}
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/bucket/key", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 64 << 10
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := fc.Now().Sub(base); got < 69*time.Second {
		t.Fatalf("the request took %v on the fake clock, want at least 69s", got)
	}
	off, ok := c.Offset()
	if !ok {
		t.Fatal("no estimate")
	}
	// The fake clock's times are whole seconds: the estimate is the half
	// second added for the Date header's truncation.
	if off < 0 || off > time.Second {
		t.Fatalf("offset = %v against a correct server clock after a 64 s body, want 0.5s (within [0, 1s])", off)
	}
}

// A bodiless request is measured from its start, as before.
func TestTransportMeasuresBodilessRequests(t *testing.T) {
	fc := &fakeClock{t: base}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", fc.Now().Add(31*time.Minute).UTC().Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := New(Options{Now: fc.Now})
	cl := &http.Client{Transport: &Transport{Clock: c}}
	resp, err := cl.Head(srv.URL + "/bucket")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if off, ok := c.Offset(); !ok || off != 31*time.Minute+500*time.Millisecond {
		t.Fatalf("offset = %v, %v; want 31m0.5s", off, ok)
	}
}
