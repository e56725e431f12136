package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadableLocalCopy runs the command as a child process with no
// configuration: stderr says so and where the files go, and ./uploads
// holds each key at its path. A local destination named with --to does
// the same; beside a cloud destination the directory is the backup and
// keeps the backup's own layout.
func TestReadableLocalCopy(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"site/index.html": "<p>", "site/sub/b.txt": "bb"})
	env := map[string]string{"HOME": dir}
	r := execCLI(t, dir, env, "", "site")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	want := "no configuration found (looked in upload.yaml, " + filepath.Join(dir, ".config", "upload", "config.yaml") + "): storing in ./uploads"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("stderr %q does not say %q", r.stderr, want)
	}
	for key, body := range map[string]string{"index.html": "<p>", "sub/b.txt": "bb"} {
		got, err := os.ReadFile(filepath.Join(dir, "uploads", filepath.FromSlash(key)))
		if err != nil || string(got) != body {
			t.Errorf("uploads/%s = %q (%v), want %q", key, got, err, body)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "uploads", "objects")); err == nil {
		t.Errorf("the readable copy also made the backup's objects/ directory")
	}
	// The same run again walks site, not ./uploads (were "." given).
	r = execCLI(t, dir, env, "", "--json", ".")
	if rep := parseReport(t, r.stdout); r.code != exitOK || len(rep.files) != 2 {
		t.Errorf("upload .: exit %d, %d files reported; want the 2 of site (./uploads is not walked)\n%s", r.code, len(rep.files), r.stderr)
	}

	r = execCLI(t, dir, env, "", "--prefix", "v2", "site", "--to", "./out")
	if got, err := os.ReadFile(filepath.Join(dir, "out", "v2", "sub", "b.txt")); r.code != exitOK || string(got) != "bb" {
		t.Errorf("--to ./out: exit %d, out/v2/sub/b.txt = %q (%v)\n%s", r.code, got, err, r.stderr)
	}
	if strings.Contains(r.stderr, "no configuration found") {
		t.Errorf("--to ./out still says no configuration was found")
	}

	// A refused cloud destination and a local one: the backup, in its
	// own layout.
	r = execCLI(t, dir, map[string]string{"HOME": dir, "AWS_ACCESS_KEY_ID": "AKFAKE", "AWS_SECRET_ACCESS_KEY": "fake-secret"}, "",
		"site/index.html", "--to", "s3://bkt?endpoint=http%3A%2F%2F127.0.0.1%3A1", "--to", "./bk")
	if r.code != exitBackedUp {
		t.Fatalf("--to dead --to ./bk: exit %d, want %d\n%s", r.code, exitBackedUp, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bk", "index.html")); err == nil {
		t.Errorf("the backup stored index.html at its path; it keeps its own layout")
	}
	if body, ok := readLocal(t, filepath.Join(dir, "bk"), "index.html"); !ok || body != "<p>" {
		t.Errorf("the backup does not hold index.html (%q, %v)", body, ok)
	}
}

// TestReadableCopyCollision: a key that names a directory of the local
// destination fails for that file (exit 1), the others are stored.
func TestReadableCopyCollision(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"b/ok.txt": "ok", "c/x/inner": "in"})
	r := c.run("--json", "c", "--to", "./out2")
	if r.code != exitOK {
		t.Fatalf("c --to ./out2: exit %d\n%s", r.code, r.stderr)
	}
	c.write(map[string]string{"d/x": "file where a directory is"})
	r = c.run("--json", "d", "b/ok.txt", "--to", "./out2")
	rep := parseReport(t, r.stdout)
	if r.code != exitFailed || rep.byKey["x"].Status != "failed" || rep.byKey["ok.txt"].Status != "uploaded" {
		t.Errorf("d/x onto the directory out2/x: exit %d, x %q, ok.txt %q; want 1, failed, uploaded\n%s", r.code, rep.byKey["x"].Status, rep.byKey["ok.txt"].Status, r.stderr)
	}
	if !strings.Contains(r.stderr, "names the directory") {
		t.Errorf("stderr does not say the key names a directory:\n%s", r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(c.dir, "out2", "x", "inner")); string(got) != "in" {
		t.Errorf("out2/x/inner = %q after the collision, want in", got)
	}
}
