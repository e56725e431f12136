//go:build unix

package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/uploader"
)

func hexKey(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

func mustNew(t *testing.T, opts Options) *Backend {
	t.Helper()
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func putBytes(t *testing.T, b *Backend, key, body string) {
	t.Helper()
	if _, err := b.Put(context.Background(), uploader.BytesObject(key, []byte(body))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// TestRootFortress: a root created by New is 0700; an existing root that
// is a symbolic link, owned by another user or writable by group or others
// is refused with an error that names it and says what to do.
func TestRootFortress(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "fresh", "backup")
	mustNew(t, Options{Dir: fresh})
	for _, d := range []string{fresh, filepath.Join(fresh, "objects")} {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want 0700", d, fi.Mode().Perm(), err)
		}
	}

	real := filepath.Join(base, "real")
	must(t, os.Mkdir(real, 0o700))
	link := filepath.Join(base, "link")
	must(t, os.Symlink(real, link))
	open := filepath.Join(base, "open")
	must(t, os.Mkdir(open, 0o700))
	must(t, os.Chmod(open, 0o777))
	openObjects := filepath.Join(base, "open-objects")
	must(t, os.MkdirAll(filepath.Join(openObjects, "objects"), 0o700))
	must(t, os.Chmod(filepath.Join(openObjects, "objects"), 0o770))
	theirs := filepath.Join(base, "theirs")
	must(t, os.Mkdir(theirs, 0o700))
	for _, tc := range []struct {
		name, dir string
		owner     func(os.FileInfo) (int, bool)
		want      []string
	}{
		{"symlink", link, nil, []string{link, "is a symbolic link"}},
		{"world-writable", open, nil, []string{open, "writable by group or others", "chmod 700 " + open}},
		{"group-writable objects", openObjects, nil, []string{filepath.Join(openObjects, "objects"), "chmod 700"}},
		{"other owner", theirs, func(fi os.FileInfo) (int, bool) { return 4242, true }, []string{theirs, "owned by uid 4242", "chown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Options{Dir: tc.dir, owner: tc.owner})
			if err == nil {
				t.Fatalf("New(%s) accepted it", tc.dir)
			}
			if k := uploader.KindOf(err); k != uploader.AccessDenied {
				t.Errorf("kind %v, want access_denied", k)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

// TestSymlinkedShard: a shard directory replaced by a symbolic link to a
// directory outside the root is never written through; List reports it.
func TestSymlinkedShard(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	b := mustNew(t, Options{Dir: root})
	key := "victim"
	shard := filepath.Join(root, "objects", hexKey(key)[:2])
	must(t, os.Symlink(outside, shard))
	_, err := b.Put(context.Background(), uploader.BytesObject(key, []byte("secret")))
	if err == nil || !strings.Contains(err.Error(), shard) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Put through a symlinked shard: %v", err)
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("files written outside the root: %v", ents)
	}
	// A copy planted in the linked directory is not drained silently: List
	// names the shard as damaged.
	must(t, os.WriteFile(filepath.Join(outside, hexKey(key)+".json"), []byte(`{}`), 0o600))
	list, err := b.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Damaged == nil || !strings.Contains(list[0].Damaged.Error(), "symbolic link") || !strings.Contains(list[0].URL, filepath.Base(shard)) {
		t.Errorf("List = %+v, want the shard reported as damaged", list)
	}
}

// TestSymlinkedLock: a shard's lock file replaced by a symbolic link is
// not followed (the file it names is neither created nor truncated).
func TestSymlinkedLock(t *testing.T) {
	root := t.TempDir()
	b := mustNew(t, Options{Dir: root})
	key := "k"
	putBytes(t, b, key, "v1")
	target := filepath.Join(t.TempDir(), "elsewhere")
	lock := filepath.Join(root, "objects", hexKey(key)[:2], ".lock")
	must(t, os.Remove(lock))
	must(t, os.Symlink(target, lock))
	if _, err := b.Put(context.Background(), uploader.BytesObject(key, []byte("v2"))); err == nil {
		t.Errorf("Put took a symlinked lock")
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Errorf("the lock's symlink was followed: %v", err)
	}
}

// TestDamagedCopiesListed: a record that is not JSON, one whose data file
// has the wrong size or is missing, one that does not match its name, a
// record that is a symbolic link and one owned by another user are listed
// as damaged (key when readable, the file, what is wrong); Object refuses
// them and Remove leaves them.
func TestDamagedCopiesListed(t *testing.T) {
	root := t.TempDir()
	foreign := map[string]bool{}
	owner := func(fi os.FileInfo) (int, bool) {
		if foreign[fi.Name()] {
			return 4242, true
		}
		return os.Geteuid(), true
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := mustNew(t, Options{Dir: root, owner: owner, Now: func() time.Time { return clock }})
	for _, k := range []string{"good", "bad-json", "short", "no-data", "moved", "linked", "planted"} {
		putBytes(t, b, k, "bytes of "+k)
	}
	shardOf := func(k string) string { return filepath.Join(root, "objects", hexKey(k)[:2]) }
	recOf := func(k string) string { return filepath.Join(shardOf(k), hexKey(k)+".json") }
	readRec := func(k string) record {
		var r record
		js, err := os.ReadFile(recOf(k))
		must(t, err)
		must(t, json.Unmarshal(js, &r))
		return r
	}
	dataOf := func(k string) string { return filepath.Join(shardOf(k), hexKey(k)+"."+readRec(k).ID+".data") }

	must(t, os.WriteFile(recOf("bad-json"), []byte(`{"version":1,"id":`), 0o600))
	must(t, os.WriteFile(dataOf("short"), []byte("by"), 0o600))
	must(t, os.Remove(dataOf("no-data")))
	moved := readRec("moved")
	moved.Key = "good"
	js, _ := json.Marshal(moved)
	must(t, os.WriteFile(recOf("moved"), js, 0o600))
	elsewhere := filepath.Join(t.TempDir(), "rec.json")
	js, _ = os.ReadFile(recOf("linked"))
	must(t, os.WriteFile(elsewhere, js, 0o600))
	must(t, os.Remove(recOf("linked")))
	must(t, os.Symlink(elsewhere, recOf("linked")))
	foreign[hexKey("planted")+".json"] = true

	list, err := b.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{ // by record file: what the damage says
		recOf("bad-json"): "not valid JSON",
		recOf("short"):    "2 bytes",
		recOf("no-data"):  "missing",
		recOf("moved"):    "does not match",
		recOf("linked"):   "symbolic link",
		recOf("planted"):  "owned by uid 4242",
	}
	wantKey := map[string]string{recOf("short"): "short", recOf("no-data"): "no-data"}
	good := 0
	for _, s := range list {
		if s.Damaged == nil {
			if s.Key != "good" {
				t.Errorf("%q listed as intact", s.Key)
			}
			good++
			continue
		}
		var file string
		for f := range want {
			if strings.Contains(s.Damaged.Error(), f) {
				file = f
			}
		}
		if file == "" {
			t.Errorf("damaged entry %+v names no record file", s)
			continue
		}
		if !strings.Contains(s.Damaged.Error(), want[file]) {
			t.Errorf("%s: damage %q does not say %q", file, s.Damaged, want[file])
		}
		if k := uploader.KindOf(s.Damaged); k != uploader.Integrity {
			t.Errorf("%s: kind %v", file, k)
		}
		if wk, ok := wantKey[file]; ok && s.Key != wk {
			t.Errorf("%s: key %q, want %q", file, s.Key, wk)
		}
		if _, err := b.Object(s); uploader.KindOf(err) != uploader.Integrity {
			t.Errorf("%s: Object = %v, want integrity", file, err)
		}
		if ok, err := b.Remove(context.Background(), s); ok || err != nil {
			t.Errorf("%s: Remove = %v, %v", file, ok, err)
		}
		if _, err := os.Lstat(file); err != nil {
			t.Errorf("%s was removed: %v", file, err)
		}
		delete(want, file)
	}
	if good != 1 || len(want) != 0 {
		t.Errorf("%d intact, damaged not listed: %v", good, want)
	}
}

// TestFileMode: Options.FileMode is the mode of the data and record files.
func TestFileMode(t *testing.T) {
	root := t.TempDir()
	b := mustNew(t, Options{Dir: root, FileMode: 0o640})
	putBytes(t, b, "k", "v")
	n := 0
	for _, f := range listFiles(t, root) {
		if strings.HasSuffix(f, ".lock") {
			continue
		}
		fi, err := os.Stat(f)
		must(t, err)
		if fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v, want 0640", f, fi.Mode().Perm())
		}
		n++
	}
	if n != 2 {
		t.Errorf("%d files checked, want a data file and a record", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
