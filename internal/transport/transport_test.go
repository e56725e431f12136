package transport

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/resilient-upload/upload/internal/skew"
)

// stallServer answers nothing until release is closed; if read is set it
// reads the whole request body first.
func stallServer(t *testing.T, read bool) (*httptest.Server, chan struct{}) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if read {
			io.Copy(io.Discard, r.Body)
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, release
}

func TestWatchdogGivesUpOnABodyNobodyReads(t *testing.T) {
	srv, _ := stallServer(t, false)
	rt := New(Options{ResponseTimeout: 300 * time.Millisecond})
	// 256 MiB cannot fit in loopback socket buffers.
	body := io.LimitReader(zeros{}, 256<<20)
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/b/k", body)
	req.ContentLength = 256 << 20
	_, err := (&http.Client{Transport: rt}).Do(req)
	var stall *StallError
	if !errors.As(err, &stall) {
		t.Fatalf("err = %v, want a StallError", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err %v is not a timeout net.Error", err)
	}
}

func TestResponseTimeoutWhenTheServerNeverAnswers(t *testing.T) {
	srv, _ := stallServer(t, true)
	rt := New(Options{ResponseTimeout: 300 * time.Millisecond})
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/b/k", bytes.NewReader(make([]byte, 1024)))
	_, err := (&http.Client{Transport: rt}).Do(req)
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
}

func TestCallerCancelIsNotAStall(t *testing.T) {
	srv, _ := stallServer(t, false)
	rt := New(Options{ResponseTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, srv.URL+"/b/k", io.LimitReader(zeros{}, 256<<20))
	req.ContentLength = 256 << 20
	go func() { time.AfterFunc(100*time.Millisecond, cancel) }()
	_, err := (&http.Client{Transport: rt}).Do(req)
	var stall *StallError
	if errors.As(err, &stall) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled and no StallError", err)
	}
}

func TestClockFedFromReplies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", time.Now().Add(-31*time.Minute).UTC().Format(http.TimeFormat))
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := skew.New(skew.Options{})
	rt := New(Options{Clock: c})
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/b/k", bytes.NewReader([]byte("x")))
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	off, ok := c.Offset()
	if !ok || off > -30*time.Minute || off < -32*time.Minute {
		t.Fatalf("offset %v, %v; want about -31 min", off, ok)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestCloseIdleConnections: the RoundTripper New returns (with the skew
// probe on top) closes its pool's idle connections when asked.
func TestCloseIdleConnections(t *testing.T) {
	closed := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	for _, rt := range []http.RoundTripper{New(Options{}), New(Options{Clock: skew.New(skew.Options{})}), Capturing(New(Options{}))} {
		resp, err := (&http.Client{Transport: rt}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		c, ok := rt.(interface{ CloseIdleConnections() })
		if !ok {
			t.Fatalf("%T has no CloseIdleConnections", rt)
		}
		c.CloseIdleConnections()
		select {
		case <-closed:
		case <-time.After(time.Minute): // a safety net against a hang, not a measurement
			t.Fatalf("%T: the idle connection was not closed", rt)
		}
	}
}
