package main

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"os"
	"testing"
	"time"

	"github.com/resilient-upload/upload/integration/miniotest"
)

func crc32cOf(b []byte) string {
	return crc32cHex(crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// TestMultipartFileDigests: a file every cloud target sends in parts gets
// no whole-file MD5 (its ETag is none, and the MD5 would cost a CPU second
// per GiB); the report and the journal carry the CRC-32C of the bytes read,
// and a rerun with --state skips the file by it, or uploads it again when
// the bytes differ under the same size and mtime. A file sent in one PUT
// keeps its MD5.
func TestMultipartFileDigests(t *testing.T) {
	srv := miniotest.Shared(t)
	bucket := srv.NewBucket(t, "digests")
	c := newCLI(t)
	c.env["MINIO_AK"], c.env["MINIO_SK"] = srv.AccessKey, srv.SecretKey
	c.config(fmt.Sprintf("targets:\n  - {name: s3, provider: s3, endpoint: '%s', bucket: %s, access_key_id: '${MINIO_AK}', secret_access_key: '${MINIO_SK}', multipart_threshold: 5MiB, part_size: 5MiB}\n", srv.URL, bucket))
	big := bytes.Repeat([]byte("0123456789abcdef"), (11<<20)/16)
	big[12345] = 'x'
	small := []byte("one request")
	must(t, os.MkdirAll("d", 0o755))
	must(t, os.WriteFile("d/big", big, 0o644))
	must(t, os.WriteFile("d/small", small, 0o644))

	r := c.run("--json", "--state", "st", "d")
	rep := parseReport(t, r.stdout)
	if r.code != exitOK || rep.summary.Uploaded != 2 {
		t.Fatalf("exit %d, %+v\n%s", r.code, rep.summary, r.stderr)
	}
	if f := rep.byKey["big"]; f.MD5 != "" || f.CRC32C != crc32cOf(big) || len(f.Parts) != 3 {
		t.Errorf("big: md5 %q crc32c %q, %d parts; want no MD5, CRC-32C %s, 3 parts", f.MD5, f.CRC32C, len(f.Parts), crc32cOf(big))
	}
	if f := rep.byKey["small"]; f.MD5 != md5hex(small) || f.CRC32C != crc32cOf(small) {
		t.Errorf("small: md5 %q crc32c %q; want %s and %s", f.MD5, f.CRC32C, md5hex(small), crc32cOf(small))
	}
	if got := getObject(t, srv, bucket, "big"); !bytes.Equal(got, big) {
		t.Fatalf("MinIO holds %d bytes that are not the file's", len(got))
	}
	j, err := openJournal("st", time.Now())
	must(t, err)
	rec, ok := j.lookup("big")
	j.close()
	if !ok || rec.MD5 != "" || rec.CRC32C != crc32cOf(big) {
		t.Fatalf("journal record of big %+v, want its CRC-32C %s", rec, crc32cOf(big))
	}

	r = c.run("--json", "--state", "st", "d")
	if rep := parseReport(t, r.stdout); r.code != exitOK || rep.summary.Skipped != 2 || rep.byKey["big"].CRC32C != crc32cOf(big) {
		t.Fatalf("rerun: exit %d, %+v, big %+v\n%s", r.code, rep.summary, rep.byKey["big"], r.stderr)
	}

	// The same size and mtime, other bytes: only the CRC-32C tells.
	fi, err := os.Stat("d/big")
	must(t, err)
	big[7<<20] ^= 1
	must(t, os.WriteFile("d/big", big, 0o644))
	must(t, os.Chtimes("d/big", fi.ModTime(), fi.ModTime()))
	r = c.run("--json", "--state", "st", "d")
	rep = parseReport(t, r.stdout)
	if r.code != exitOK || rep.byKey["big"].Status != statusUploaded || rep.byKey["small"].Status != statusSkipped {
		t.Fatalf("after a change of big: exit %d, big %s, small %s\n%s", r.code, rep.byKey["big"].Status, rep.byKey["small"].Status, r.stderr)
	}
	if got := getObject(t, srv, bucket, "big"); !bytes.Equal(got, big) {
		t.Errorf("MinIO holds %d bytes that are not the changed file's", len(got))
	}
}
