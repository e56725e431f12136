package local_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

// TestTreeConformance runs the suite over the local destination, read
// back at each key's path.
func TestTreeConformance(t *testing.T) {
	backendtest.Run(t, func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		return &treeHarness{dir: t.TempDir()}, nil
	})
}

type treeHarness struct{ dir string }

// Attributes: a readable directory keeps the bytes only (no Cache-Control,
// class or tags beside a plain file), so the Attributes case sends none.
func (h *treeHarness) Attributes() uploader.Attributes { return uploader.Attributes{} }

func (h *treeHarness) MakeBackend(ctx context.Context) (uploader.Backend, error) {
	return local.NewTree(local.Options{Dir: h.dir, Name: "tree-conformance"})
}

// MakeBackendForMissingBucket returns (nil, nil): the directory is created
// on demand, so there is no missing bucket.
func (h *treeHarness) MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error) {
	return nil, nil
}

func (h *treeHarness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	data, err := os.ReadFile(filepath.Join(h.dir, filepath.FromSlash(key)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// Keys lists the regular files, temporary ones included (a failure must
// leave none).
func (h *treeHarness) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	err := filepath.WalkDir(h.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(h.dir, p)
		keys = append(keys, filepath.ToSlash(rel))
		return err
	})
	return keys, err
}

// PendingMultipart counts the temporary files of unfinished Puts.
func (h *treeHarness) PendingMultipart(ctx context.Context) (int, error) {
	n := 0
	err := filepath.WalkDir(h.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".") && strings.Contains(d.Name(), ".upload-") {
			n++
		}
		return err
	})
	return n, err
}

// MultipartThreshold returns 1 MiB: no multipart, but an object of several
// 256 KiB copy chunks shows that a failure midway leaves nothing.
func (h *treeHarness) MultipartThreshold() int64 { return 1 << 20 }

// KeysArePaths: key sub/b.txt is DIR/sub/b.txt (backendtest.PathHarness).
func (h *treeHarness) KeysArePaths() bool { return true }

// Inject returns false: no network, no gateway.
func (h *treeHarness) Inject(f backendtest.Fault) bool { return false }

func (h *treeHarness) ClearFaults() {}

func (h *treeHarness) Close() {}
