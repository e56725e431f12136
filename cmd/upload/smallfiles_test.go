package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// TestSmallFilesOneRequestEach: with the defaults (--jobs auto), a batch of
// small files costs one PUT per file and nothing else (no HEAD or Stat
// after a PUT whose reply already proves the content, no bucket probe per
// file), over connections that are kept alive and reused (the transport's
// idle pool is as large as the adaptive limit's maximum), so that the run
// does not open a connection per file (a round trip more on a WAN, two
// more with TLS).
func TestSmallFilesOneRequestEach(t *testing.T) {
	const files = 1000
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "small")
	up, _ := url.Parse(srv.URL)
	var cnt requestCounter
	var all, conns atomic.Int64
	proxy := httptest.NewUnstartedServer(cnt.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		all.Add(1)
		httputil.NewSingleHostReverseProxy(up).ServeHTTP(w, r)
	})))
	proxy.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	proxy.Start()
	defer proxy.Close()
	dir := t.TempDir()
	writeBatch(t, filepath.Join(dir, "d"), files)
	env := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey,
		"AWS_ENDPOINT_URL": proxy.URL, "HOME": dir}
	r := execCLI(t, dir, env, "", "--json", "d", "--to", "s3://"+bucket+"/p/")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, tail(r.stderr, 20))
	}
	if rep := parseReport(t, r.stdout); rep.summary.Uploaded != files {
		t.Fatalf("%d uploaded, want %d", rep.summary.Uploaded, files)
	}
	if p, h, n := cnt.puts.Load(), cnt.heads.Load(), all.Load(); p != files || h != 0 || n != files {
		t.Errorf("%d requests for %d small files: %d PUT, %d HEAD; want one PUT each and nothing else", n, files, p, h)
	}
	// At most DefaultMaxConcurrency attempts are in flight; a few more
	// connections may be dialed while another one frees up, but without
	// keep-alive there would be one per file.
	t.Logf("%d connections, %d requests", conns.Load(), all.Load())
	if n := conns.Load(); n > files/2 {
		t.Errorf("%d connections for %d files (at most %d in flight): connections are not kept", n, files, failover.DefaultMaxConcurrency)
	}
}
