package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/resilient-upload/upload/integration/gateway"
	"github.com/resilient-upload/upload/integration/miniotest"
)

// rewriteEnds overwrites the first and last n bytes of the file at path in
// place (same size), sets its modification time to at (distinct from any
// earlier write's: a rewrite may land in the same file-system tick), and
// returns the new contents. It is called from gateway handlers, which may
// outlive the test, so it reports errors instead of failing t.
func rewriteEnds(path string, n int, at time.Time) ([]byte, error) {
	cur, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	patch := bytes.Repeat([]byte("NEW!"), n/4)
	_, err = f.WriteAt(patch, 0)
	if err == nil {
		_, err = f.WriteAt(patch, int64(len(cur)-n))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(path, at, at)
	}
	copy(cur, patch)
	copy(cur[len(cur)-n:], patch)
	return cur, err
}

// handlerErrs collects the errors of gateway handlers, for the test to
// check once the command has returned.
type handlerErrs struct {
	mu   sync.Mutex
	errs []error
}

func (h *handlerErrs) add(err error) {
	if err != nil {
		h.mu.Lock()
		h.errs = append(h.errs, err)
		h.mu.Unlock()
	}
}

func (h *handlerErrs) check(t *testing.T) {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, err := range h.errs {
		t.Errorf("rewriting the file: %v", err)
	}
}

// keyHashHex is the hex SHA-256 of key: the name of its copy in the local
// backup.
func keyHashHex(key string) string { s := sha256.Sum256([]byte(key)); return hex.EncodeToString(s[:]) }

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// getObject reads an object back from MinIO.
func getObject(t *testing.T, srv *miniotest.Server, bucket, key string) []byte {
	t.Helper()
	o, err := srv.Client().GetObject(context.Background(), bucket, key, minio.GetObjectOptions{})
	must(t, err)
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("reading %s/%s: %v", bucket, key, err)
	}
	return b
}

// TestRewrittenMidMultipart: a 15 MiB file uploaded in three 5 MiB parts,
// one at a time, through the TOS gateway; the gateway holds the request of
// part 2 while the test rewrites both ends of the file (part 1 is already
// stored, part 3 not yet read). The upload must not assemble the old part 1
// with the new part 3: it starts again from a fresh open and stores the new
// version whole; the report and the journal give the CRC-32C of the
// bytes stored.
func TestRewrittenMidMultipart(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "midpart")
	c := newCLI(t)
	const part = 5 << 20
	path := filepath.Join(c.dir, "d", "big")
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, bytes.Repeat([]byte("old."), 3*part/4), 0o644))
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, os.Chtimes(path, old, old))

	var part2 atomic.Int32
	var herrs handlerErrs
	var newest atomic.Pointer[[]byte]
	gw, url := startGateway(t, srv, gateway.TOS, func(gw *gateway.Gateway, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "2" && part2.Add(1) == 1 {
				b, err := rewriteEnds(path, part, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
				herrs.add(err)
				newest.Store(&b)
			}
			h.ServeHTTP(w, r)
		})
	})
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf("targets:\n  - {name: tos, provider: tos, endpoint: '%s', region: cn-beijing, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB}\nretry: {attempts: 1}\n", url, bucket))
	r := c.run("--json", "--state", "st", "--part-size", "5MiB", "--part-jobs", "1", "d")
	herrs.check(t)
	if part2.Load() == 0 || newest.Load() == nil {
		t.Fatalf("part 2 never reached the gateway: exit %d\n%s", r.code, r.stderr)
	}
	newer := *newest.Load()
	got := getObject(t, srv, bucket, "big")
	if !bytes.Equal(got, newer) {
		oldBody := bytes.Repeat([]byte("old."), 3*part/4)
		t.Fatalf("MinIO holds %d bytes (MD5 %s) that are neither version: new %s, old %s (exit %d)\n%s",
			len(got), md5hex(got), md5hex(newer), md5hex(oldBody), r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Uploaded != 1 {
		t.Fatalf("exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	if a := rep.byKey["big"].Attempts; len(a) < 2 || a[0].Kind != "invalid" || a[len(a)-1].Kind != "ok" {
		t.Errorf("attempts %+v: want the try that saw the change (invalid), then the one that stored the file", a)
	}
	if f := rep.byKey["big"]; f.CRC32C != crc32cOf(newer) {
		t.Errorf("report CRC-32C %s, want %s (the bytes stored)", f.CRC32C, crc32cOf(newer))
	}
	j, err := openJournal("st", time.Now())
	must(t, err)
	rec, ok := j.lookup("big")
	j.close()
	if !ok || rec.CRC32C != crc32cOf(newer) || rec.Size != int64(len(newer)) {
		t.Errorf("journal record %+v, want CRC-32C %s", rec, crc32cOf(newer))
	}
}

// TestRewrittenUntilGivenUp: a file that changes on every try is failed
// with a clear error naming it; nothing of it is stored and the journal has
// no record of it.
func TestRewrittenUntilGivenUp(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "unstable")
	c := newCLI(t)
	const part = 5 << 20
	path := filepath.Join(c.dir, "d", "big")
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, bytes.Repeat([]byte("old."), 3*part/4), 0o644))
	var n atomic.Int64
	var herrs handlerErrs
	gw, url := startGateway(t, srv, gateway.TOS, func(gw *gateway.Gateway, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == "2" {
				// A distinct time on every rewrite.
				at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n.Add(1)) * time.Hour)
				_, err := rewriteEnds(path, part, at)
				herrs.add(err)
			}
			h.ServeHTTP(w, r)
		})
	})
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf("targets:\n  - {name: tos, provider: tos, endpoint: '%s', region: cn-beijing, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB}\nretry: {attempts: 1}\n", url, bucket))
	r := c.run("--json", "--state", "st", "--part-size", "5MiB", "--part-jobs", "1", "d")
	herrs.check(t)
	rep := parseReport(t, r.stdout)
	if r.code != exitFailed || rep.summary.Failed != 1 {
		t.Fatalf("exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	if f := rep.byKey["big"]; f.Error == nil || !strings.Contains(f.Error.Message, "d/big") || !strings.Contains(f.Error.Message, "changed while being uploaded") {
		t.Errorf("report line %+v", f)
	}
	if !strings.Contains(r.stderr, "changed while being uploaded") {
		t.Errorf("stderr does not say why:\n%s", r.stderr)
	}
	if got := listBucket(t, srv, bucket); len(got) != 0 {
		t.Errorf("MinIO holds %v", got)
	}
	if keys := journalKeys(t, "st"); keys["big"] {
		t.Errorf("the journal records a file that was not stored")
	}
}

// TestBackupLostThenRerun: files backed up while the cloud was down, with
// --state; then one copy is damaged, one removed, and the cloud is back:
// the rerun uploads those two to the cloud and keeps trusting the intact
// copies; with the whole backup directory gone, the next rerun uploads the
// rest. Nothing ends "skipped" while it is in no bucket and no intact copy.
func TestBackupLostThenRerun(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "lost")
	c := newCLI(t)
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	conf := func(endpoint string) {
		c.config(fmt.Sprintf(`targets:
  - {name: cloud, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
backup: ./bk
retry: {attempts: 1}
`, endpoint, bucket))
	}
	conf(deadEndpoint(t))
	want := writeBatch(t, filepath.Join(c.dir, "batch"), 5)
	if r := c.run("--state", "st", "--quiet", "batch"); r.code != exitBackedUp {
		t.Fatalf("upload with the cloud down: exit %d\n%s", r.code, r.stderr)
	}
	copyOf := func(key, ext string) string {
		h := keyHashHex(key)
		m, err := filepath.Glob(filepath.Join(c.dir, "bk", "objects", h[:2], h+"*"+ext))
		must(t, err)
		if len(m) != 1 {
			t.Fatalf("copy of %s: %v", key, m)
		}
		return m[0]
	}
	// Damage f0000's copy (same size), remove f0001's.
	data := copyOf("f0000", ".data")
	b, err := os.ReadFile(data)
	must(t, err)
	b[0] ^= 0xff
	must(t, os.WriteFile(data, b, 0o644))
	must(t, os.Remove(copyOf("f0001", ".data")))
	must(t, os.Remove(copyOf("f0001", ".json")))

	conf(srv.URL)
	r := c.run("--json", "--state", "st", "batch")
	rep := parseReport(t, r.stdout)
	for _, k := range []string{"f0000", "f0001"} {
		if f := rep.byKey[k]; f.Status != statusUploaded || f.Target != "cloud" {
			t.Errorf("%s, whose copy is damaged or gone: %+v", k, f)
		}
	}
	if rep.summary.SkippedInBackup != 3 || r.code != exitBackedUp {
		t.Errorf("rerun: exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}

	must(t, os.RemoveAll(filepath.Join(c.dir, "bk")))
	r = c.run("--json", "--state", "st", "batch")
	rep = parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Uploaded != 3 || rep.summary.Skipped != 2 {
		t.Errorf("rerun without the backup directory: exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	got := listBucket(t, srv, bucket)
	for k, size := range want {
		if got[k] != size {
			t.Errorf("%s: MinIO holds %d bytes, want %d", k, got[k], size)
		}
	}
}

// TestLocalJournalDoesNotSkipCloud: a journal written while a local
// directory was the only target does not make a later run with a cloud
// target skip: the files are uploaded to the cloud.
func TestLocalJournalDoesNotSkipCloud(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "localfirst")
	c := newCLI(t)
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	c.config("targets:\n  - {name: bk, provider: local, path: ./bk}\n")
	want := writeBatch(t, filepath.Join(c.dir, "batch"), 4)
	if r := c.run("--state", "st", "--quiet", "batch"); r.code != exitOK {
		t.Fatalf("local-only upload: exit %d\n%s", r.code, r.stderr)
	}
	c.config(fmt.Sprintf(`targets:
  - {name: cloud, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}'}
  - {name: bk, provider: local, path: ./bk}
`, srv.URL, bucket))
	r := c.run("--json", "--state", "st", "batch")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Uploaded != 4 || rep.summary.Skipped != 0 {
		t.Errorf("with a cloud configured: exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	got := listBucket(t, srv, bucket)
	for k, size := range want {
		if got[k] != size {
			t.Errorf("%s: MinIO holds %d bytes, want %d", k, got[k], size)
		}
	}
	// Now recorded as on the cloud: the next run skips them.
	r = c.run("--json", "--state", "st", "batch")
	if rep := parseReport(t, r.stdout); r.code != exitOK || rep.summary.Skipped != 4 {
		t.Errorf("second run: exit %d, %+v", r.code, rep.summary)
	}
}

// TestChangedAfterEveryComplete: a file that changes after each try has
// sent its last part (the gateway rewrites it when the complete request
// arrives) is stored whole each time, but is not the file that is there
// after: after three tries it fails naming the file, and the object the
// last try stored is deleted; nothing stays as the answer for a file
// reported failed.
func TestChangedAfterEveryComplete(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "aftercomplete")
	c := newCLI(t)
	const part = 5 << 20
	path := filepath.Join(c.dir, "d", "big")
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, bytes.Repeat([]byte("old."), 2*part/4), 0o644))
	var completes atomic.Int64
	var herrs handlerErrs
	gw, url := startGateway(t, srv, gateway.TOS, func(gw *gateway.Gateway, h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && r.URL.Query().Has("uploadId") {
				at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(completes.Add(1)) * time.Hour)
				_, err := rewriteEnds(path, 4, at)
				herrs.add(err)
			}
			h.ServeHTTP(w, r)
		})
	})
	ak, sk := gw.Credentials()
	c.env["GW_AK"], c.env["GW_SK"] = ak, sk
	c.config(fmt.Sprintf("targets:\n  - {name: tos, provider: tos, endpoint: '%s', region: cn-beijing, bucket: %s, access_key_id: '${GW_AK}', secret_access_key: '${GW_SK}', multipart_threshold: 5MiB}\nretry: {attempts: 1}\n", url, bucket))
	r := c.run("--json", "--state", "st", "--part-size", "5MiB", "d")
	herrs.check(t)
	rep := parseReport(t, r.stdout)
	if r.code != exitFailed || rep.summary.Failed != 1 || completes.Load() != maxChangedTries {
		t.Fatalf("exit %d, %d completes, %+v\n%s", r.code, completes.Load(), rep.summary, r.stderr)
	}
	if f := rep.byKey["big"]; f.Error == nil || !strings.Contains(f.Error.Message, "d/big changed while being uploaded") {
		t.Errorf("report line %+v", f)
	}
	if got := listBucket(t, srv, bucket); len(got) != 0 {
		t.Errorf("MinIO holds %v after the file was failed", got)
	}
	if keys := journalKeys(t, "st"); keys["big"] {
		t.Errorf("the journal records a file that was not stored")
	}
}
