package main

import (
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
	"github.com/resilient-upload/upload/uploader"
)

// requestCounter counts the LIST and HEAD requests that pass through it.
type requestCounter struct{ lists, heads, puts atomic.Int64 }

func (c *requestCounter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodHead:
			c.heads.Add(1)
		case r.Method == http.MethodPut:
			c.puts.Add(1)
		case r.Method == http.MethodGet && (r.URL.Query().Has("list-type") || isBucketPath(r)):
			c.lists.Add(1)
		}
		h.ServeHTTP(w, r)
	})
}

// isBucketPath reports a request for a bucket (path style, no key), as a
// V1 listing is.
func isBucketPath(r *http.Request) bool {
	p := strings.Trim(r.URL.Path, "/")
	return p != "" && !strings.Contains(p, "/") && len(r.URL.Query()) > 0 && !r.URL.Query().Has("uploads") && !r.URL.Query().Has("location")
}

func (c *requestCounter) reset() { c.lists.Store(0); c.heads.Store(0); c.puts.Store(0) }

// TestSkipExistingMinIO: a second run from another directory (another
// machine, no journal) with --skip-existing compares with one LIST for
// the 40 keys and no HEAD per file; size mode skips a file changed at the
// same size, checksum mode uploads it; --state records the skips so that
// a third run lists nothing.
func TestSkipExistingMinIO(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "skip")
	up, _ := url.Parse(srv.URL)
	var cnt requestCounter
	proxy := httptest.NewServer(cnt.wrap(httputil.NewSingleHostReverseProxy(up)))
	defer proxy.Close()
	env := map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey, "AWS_ENDPOINT_URL": proxy.URL}
	dest := "s3://" + bucket + "/data/"

	first := t.TempDir()
	want := writeBatch(t, filepath.Join(first, "d"), 40)
	env["HOME"] = first
	if r := execCLI(t, first, env, "", "d", "--to", dest); r.code != exitOK {
		t.Fatalf("first upload: exit %d\n%s", r.code, r.stderr)
	}

	// Another machine: the same files, one changed at the same size, one new.
	second := t.TempDir()
	env["HOME"] = second
	writeBatch(t, filepath.Join(second, "d"), 40)
	must(t, os.WriteFile(filepath.Join(second, "d", "f0003"), []byte(strings.Repeat("Z", int(want["f0003"]))), 0o644))
	must(t, os.WriteFile(filepath.Join(second, "d", "new"), []byte("new"), 0o644))

	cnt.reset()
	r := execCLI(t, second, env, "", "--json", "--dry-run", "--skip-existing=size", "d", "--to", dest)
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.WouldUpload != 1 || rep.summary.Skipped != 40 || rep.byKey["data/f0003"].Status != "skipped" {
		t.Errorf("size mode: exit %d, %d would upload, %d skipped, f0003 %q; want 1, 40, skipped\n%s", r.code, rep.summary.WouldUpload, rep.summary.Skipped, rep.byKey["data/f0003"].Status, r.stderr)
	}
	if cnt.lists.Load() != 1 || cnt.heads.Load() != 0 {
		t.Errorf("size mode sent %d LISTs and %d HEADs; want 1 LIST (40 keys, one page) and no HEAD", cnt.lists.Load(), cnt.heads.Load())
	}

	cnt.reset()
	state := filepath.Join(second, "state.jsonl")
	r = execCLI(t, second, env, "", "--json", "--skip-existing=checksum", "--state", state, "d", "--to", dest)
	rep = parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Skipped != 39 || rep.byKey["data/f0003"].Status != "uploaded" || rep.byKey["data/new"].Status != "uploaded" {
		t.Errorf("checksum mode: exit %d, %d skipped, f0003 %q, new %q; want 39 skipped, both uploaded\n%s", r.code, rep.summary.Skipped, rep.byKey["data/f0003"].Status, rep.byKey["data/new"].Status, r.stderr)
	}
	if f := rep.byKey["data/f0001"]; f.Target != "s3" || f.MD5 == "" {
		t.Errorf("a skipped file reports target %q md5 %q; want s3 and its MD5", f.Target, f.MD5)
	}
	if cnt.lists.Load() != 1 || cnt.puts.Load() != 2 || cnt.heads.Load() > 2 {
		t.Errorf("checksum mode sent %d LISTs, %d PUTs, %d HEADs; want 1, 2 and at most a HEAD per upload", cnt.lists.Load(), cnt.puts.Load(), cnt.heads.Load())
	}

	// With --state, the skips were recorded: the next run needs no LIST.
	cnt.reset()
	r = execCLI(t, second, env, "", "--json", "--skip-existing=checksum", "--state", state, "d", "--to", dest)
	rep = parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Skipped != 41 || cnt.lists.Load() != 0 {
		t.Errorf("third run with --state: exit %d, %d skipped, %d LISTs; want 41 skipped from the journal and no LIST\n%s", r.code, rep.summary.Skipped, cnt.lists.Load(), r.stderr)
	}
}

// TestSkipExistingGateway: through the TOS, OSS, OBS and COS dialects of
// the gateway (each SDK's own listing; TOS's ListObjectsType2 JSON
// translated from MinIO's XML), a rerun compares by MD5 ETag with one LIST
// and uploads only the changed file. Through a TOS gateway whose
// clock is 31 minutes ahead, the listing is refused once as skewed and
// signed again with the server's time (two LISTs), as every TOS call is.
func TestSkipExistingGateway(t *testing.T) {
	srv := miniotest.Shared(t)
	for _, d := range []struct {
		name       string
		dialect    gateway.Dialect
		scheme     string
		idVar, sk  string
		extraQuery string
		skew       time.Duration
		lists      int64
	}{
		{"tos", gateway.TOS, "tos", "TOS_ACCESS_KEY", "TOS_SECRET_KEY", "region=cn-beijing", 0, 1},
		{"tos-skewed", gateway.TOS, "tos", "TOS_ACCESS_KEY", "TOS_SECRET_KEY", "region=cn-beijing", 31 * time.Minute, 2},
		{"oss", gateway.OSS, "oss", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "region=cn-hangzhou", 0, 1},
		{"obs", gateway.OBS, "obs", "OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY", "path_style", 0, 1},
		{"cos", gateway.COS, "cos", "COS_SECRETID", "COS_SECRETKEY", "region=ap-guangzhou&path_style", 0, 1},
	} {
		t.Run(d.name, func(t *testing.T) {
			bucket := d.name + "-skip-1250000000"
			must(t, srv.MakeBucket(context.Background(), bucket))
			t.Cleanup(func() { srv.RemoveBucket(context.Background(), bucket) })
			var cnt requestCounter
			gw, gwURL := startGateway(t, srv, d.dialect, func(_ *gateway.Gateway, h http.Handler) http.Handler { return cnt.wrap(h) })
			gw.SetClockOffset(d.skew)
			ak, sk := gw.Credentials()
			dir := t.TempDir()
			writeBatch(t, filepath.Join(dir, "d"), 12)
			env := map[string]string{"HOME": dir, d.idVar: ak, d.sk: sk}
			dest := fmt.Sprintf("%s://%s/x?%s&endpoint=%s", d.scheme, bucket, d.extraQuery, url.QueryEscape(gwURL))
			if r := execCLI(t, dir, env, "", "d", "--to", dest); r.code != exitOK {
				t.Fatalf("first upload: exit %d\n%s", r.code, r.stderr)
			}
			must(t, os.WriteFile(filepath.Join(dir, "d", "f0005"), []byte(strings.Repeat("Q", 16+5)), 0o644))
			cnt.reset()
			r := execCLI(t, dir, env, "", "--json", "--skip-existing=checksum", "d", "--to", dest)
			rep := parseReport(t, r.stdout)
			if r.code != exitOK || rep.summary.Skipped != 11 || rep.byKey["x/f0005"].Status != "uploaded" {
				t.Errorf("exit %d, %d skipped, f0005 %q; want 11 skipped and f0005 uploaded\n%s", r.code, rep.summary.Skipped, rep.byKey["x/f0005"].Status, r.stderr)
			}
			if cnt.lists.Load() != d.lists || cnt.puts.Load() != 1 {
				t.Errorf("%d LISTs and %d PUTs through the gateway; want %d and 1", cnt.lists.Load(), cnt.puts.Load(), d.lists)
			}
		})
	}
}

// TestSkipExistingRefused: a mode that is neither size nor checksum is a
// usage error naming it.
func TestSkipExistingRefused(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"a": "a"})
	if r := c.run("--skip-existing=mtime", "a"); r.code != exitUsage || !strings.Contains(r.stderr, `--skip-existing "mtime"`) {
		t.Errorf("exit %d, %s", r.code, r.stderr)
	}
}

// crcLister lists fixed objects, as TOS does: multipart ETags and the
// CRC-64 of each object.
type crcLister struct {
	objs  []uploader.ObjectInfo
	calls int
}

func (l *crcLister) Name() string { return "tos" }
func (l *crcLister) Put(context.Context, uploader.Object) (uploader.Result, error) {
	return uploader.Result{}, errors.New("not used")
}
func (l *crcLister) ErrorKind(err error) uploader.Kind { return uploader.KindOf(err) }
func (l *crcLister) Close() error                      { return nil }
func (l *crcLister) ListObjects(_ context.Context, prefix string, fn func(uploader.ObjectInfo) bool) error {
	l.calls++
	for _, o := range l.objs {
		if strings.HasPrefix(o.Key, prefix) && !fn(o) {
			return nil
		}
	}
	return nil
}

// TestSkipExistingCRC64: where the listing has no plain-MD5 ETag (a
// multipart upload), the CRC-64 decides; with neither, nothing is skipped.
func TestSkipExistingCRC64(t *testing.T) {
	dir := t.TempDir()
	same, other := filepath.Join(dir, "same"), filepath.Join(dir, "other")
	must(t, os.WriteFile(same, []byte("hello, world"), 0o644))
	must(t, os.WriteFile(other, []byte("hello, earth"), 0o644))
	crc := strconv.FormatUint(crc64.Checksum([]byte("hello, world"), crc64.MakeTable(crc64.ECMA)), 10)
	l := &crcLister{objs: []uploader.ObjectInfo{
		{Key: "p/same", Size: 12, ETag: "0123456789abcdef0123456789abcdef-2", CRC64: crc},
		{Key: "p/other", Size: 12, ETag: "0123456789abcdef0123456789abcdef-2", CRC64: crc},
		{Key: "p/nocrc", Size: 12, ETag: "0123456789abcdef0123456789abcdef-2"},
	}}
	set := &targetSet{backends: []uploader.Backend{l}, descs: []uploader.Description{{Name: "tos", Provider: "tos"}}, clouds: 1}
	ix, err := newRemoteIndex("checksum", "p/", set, func(string, ...any) {})
	must(t, err)
	ctx := context.Background()
	for _, tc := range []struct {
		key, path string
		want      bool
	}{{"p/same", same, true}, {"p/other", other, false}, {"p/nocrc", same, false}, {"p/absent", same, false}} {
		_, ok, err := ix.match(ctx, tc.key, 12, &localSums{path: tc.path})
		if err != nil || ok != tc.want {
			t.Errorf("match(%s) = %v, %v; want %v", tc.key, ok, err, tc.want)
		}
	}
	if l.calls != 1 {
		t.Errorf("%d listings for 4 files, want 1", l.calls)
	}
}

// TestSkipExistingLocalDestination: a local destination (which lists no
// checksum) is compared by reading its copies: an unchanged file is
// skipped, one changed at the same size is copied again.
func TestSkipExistingLocalDestination(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"d/a.txt": "aaaa", "d/b.txt": "bbbb"})
	if r := c.run("d", "--to", "./out"); r.code != exitOK {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	c.write(map[string]string{"d/b.txt": "BBBB"})
	r := c.run("--json", "--skip-existing=checksum", "d", "--to", "./out")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.byKey["a.txt"].Status != statusSkipped || rep.byKey["b.txt"].Status != statusUploaded {
		t.Errorf("exit %d, a.txt %q, b.txt %q; want skipped and uploaded\n%s", r.code, rep.byKey["a.txt"].Status, rep.byKey["b.txt"].Status, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(c.dir, "out", "b.txt")); string(got) != "BBBB" {
		t.Errorf("out/b.txt = %q, want the new bytes", got)
	}
}
