//go:build unix

package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestBadInput: each bad path gets its own error naming it, the other
// files are uploaded, and the exit status is 1.
func TestBadInput(t *testing.T) {
	c := newCLI(t)
	c.write(map[string]string{"tree/good.txt": "good", "tree/empty": "", "ok.txt": "fine", "list/one": "1"})
	tree := filepath.Join(c.dir, "tree")
	if err := syscall.Mkfifo(filepath.Join(tree, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(tree, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	must(t, os.Symlink("self", filepath.Join(tree, "self")))             // ELOOP
	must(t, os.Symlink("nowhere", filepath.Join(tree, "broken")))        // dangling
	must(t, os.Symlink("..", filepath.Join(tree, "up")))                 // a directory loop
	must(t, os.Symlink("good.txt", filepath.Join(tree, "link-to-good"))) // followed
	bad := "bad\x01name"
	must(t, os.WriteFile(filepath.Join(tree, bad), []byte("b"), 0o644))
	unreadable := filepath.Join(tree, "secret.txt")
	must(t, os.WriteFile(unreadable, []byte("s"), 0o000))
	root := os.Geteuid() == 0 // root reads any file

	c.stdin = "list/one\nlist\n../escape\n\n"
	must(t, os.WriteFile(filepath.Join(filepath.Dir(c.dir), "escape"), []byte("e"), 0o644))
	r := c.run("--json", "ok.txt", "missing.txt", "tree", "-")
	if r.code != exitFailed {
		t.Errorf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	rep := parseReport(t, r.stdout)
	wantOK := []string{"ok.txt", "good.txt", "empty", "link-to-good", "list/one"}
	if root {
		wantOK = append(wantOK, "secret.txt")
	}
	for _, k := range wantOK {
		if f, ok := rep.byKey[k]; !ok || f.Status != statusUploaded {
			t.Errorf("%s: %+v, want uploaded", k, f)
		}
	}
	if f := rep.byKey["empty"]; f.Size != 0 || f.MD5 != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("empty file: %+v", f)
	}
	wantErr := map[string]string{
		"missing.txt":                       "no such file or directory",
		filepath.Join("tree", "pipe"):       "not a regular file (a named pipe)",
		filepath.Join("tree", "sock"):       "not a regular file (a socket)",
		filepath.Join("tree", "self"):       "symbolic link loop",
		filepath.Join("tree", "broken"):     "broken symbolic link",
		filepath.Join("tree", "up", "tree"): "symbolic link loop", // up is .., whose tree is an ancestor
		filepath.Join("tree", bad):          "key is refused",
		"list":                              "is a directory; paths read from standard input must be files",
		filepath.Join("..", "escape"):       "key is refused",
		filepath.Join("tree", "secret.txt"): "permission denied",
	}
	if root {
		delete(wantErr, filepath.Join("tree", "secret.txt"))
	}
	byPath := map[string]fileReport{}
	for _, f := range rep.files {
		byPath[f.Path] = f
	}
	for p, msg := range wantErr {
		f, ok := byPath[p]
		if !ok || f.Status != statusFailed || f.Error == nil || !strings.Contains(f.Error.Message, msg) {
			t.Errorf("%s: %+v, want failed with %q", p, f, msg)
			continue
		}
		if !strings.Contains(r.stderr, "upload: "+shown(p)+": ") { // quoted if it holds control characters
			t.Errorf("stderr does not name %s:\n%s", p, r.stderr)
		}
	}
	if strings.Contains(r.stderr, "invalid ×") {
		t.Errorf("the story blames the target for a file's fault:\n%s", r.stderr)
	}
	if got, want := rep.summary.Failed, len(wantErr); got != want {
		t.Errorf("summary counts %d failed, want %d", got, want)
	}
}
