package transport

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCapturingRecordsErrorReply(t *testing.T) {
	long := strings.Repeat("x", MaxCapturedBody+100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.Header().Set("X-Amz-Request-Id", "req-1")
		switch r.URL.Path {
		case "/ok":
			io.WriteString(w, "<ok/>")
		case "/long":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, long)
		default:
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, "<Error><StringToSign>PUT\n\n</StringToSign></Error>")
		}
	}))
	defer srv.Close()
	c := &http.Client{Transport: Capturing(http.DefaultTransport)}

	get := func(ctx context.Context, path string) []byte {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	ctx, cap := WithCapture(context.Background())
	got := get(ctx, "/err")
	if cap.Status() != http.StatusForbidden || cap.Header().Get("Retry-After") != "7" || cap.Header().Get("X-Amz-Request-Id") != "req-1" {
		t.Errorf("status %d, header %v", cap.Status(), cap.Header())
	}
	if !bytes.Equal(cap.Body(), got) || !strings.Contains(string(cap.Body()), "<StringToSign>") {
		t.Errorf("captured body %q, SDK read %q", cap.Body(), got)
	}

	// A later successful reply replaces the record and keeps no body.
	if string(get(ctx, "/ok")) != "<ok/>" {
		t.Fatal("success body altered")
	}
	if cap.Status() != http.StatusOK || len(cap.Body()) != 0 {
		t.Errorf("after success: status %d, body %q", cap.Status(), cap.Body())
	}

	// The reader still gets the whole long body; the capture keeps the start.
	ctx2, cap2 := WithCapture(context.Background())
	if got := get(ctx2, "/long"); len(got) != len(long) {
		t.Errorf("SDK read %d bytes, want %d", len(got), len(long))
	}
	if len(cap2.Body()) != MaxCapturedBody {
		t.Errorf("captured %d bytes, want %d", len(cap2.Body()), MaxCapturedBody)
	}
	if cap.Status() != http.StatusOK {
		t.Error("a second capture leaked into the first")
	}

	// Without a capture in the context the reply passes untouched.
	if got := get(context.Background(), "/err"); !strings.Contains(string(got), "StringToSign") {
		t.Errorf("body without capture: %q", got)
	}
}
