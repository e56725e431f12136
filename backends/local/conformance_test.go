package local_test

import (
	"context"
	"encoding/json"
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

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(ctx context.Context, t *testing.T) (backendtest.Harness, error) {
		return &harness{dir: t.TempDir()}, nil
	})
}

// harness reads the root directory by itself, following the layout the
// package documentation gives, without the Backend under test.
type harness struct {
	dir string
}

func (h *harness) MakeBackend(ctx context.Context) (uploader.Backend, error) {
	return local.New(local.Options{Dir: h.dir, Name: "local-conformance"})
}

// MakeBackendForMissingBucket returns (nil, nil): a local root is created on
// demand, so there is no missing bucket.
func (h *harness) MakeBackendForMissingBucket(ctx context.Context) (uploader.Backend, error) {
	return nil, nil
}

type diskRecord struct {
	ID   string `json:"id"`
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

func (h *harness) Read(ctx context.Context, key string) ([]byte, bool, error) {
	hash := hashOf(key)
	shard := filepath.Join(h.dir, "objects", hash[:2])
	js, err := os.ReadFile(filepath.Join(shard, hash+".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var rec diskRecord
	if err := json.Unmarshal(js, &rec); err != nil {
		return nil, false, err
	}
	data, err := os.ReadFile(filepath.Join(shard, hash+"."+rec.ID+".data"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil || rec.Key != key || int64(len(data)) != rec.Size {
		return nil, false, err
	}
	return data, true, nil
}

func (h *harness) Keys(ctx context.Context) ([]string, error) {
	recs, err := filepath.Glob(filepath.Join(h.dir, "objects", "*", "*.json"))
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, p := range recs {
		js, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var rec diskRecord
		if err := json.Unmarshal(js, &rec); err != nil {
			return nil, err
		}
		keys = append(keys, rec.Key)
	}
	return keys, nil
}

// PendingMultipart counts the temporary files left in the root: the local
// equivalent of an upload started and never finished.
func (h *harness) PendingMultipart(ctx context.Context) (int, error) {
	n := 0
	err := filepath.WalkDir(h.dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".tmp-") {
			n++
		}
		return err
	})
	return n, err
}

// MultipartThreshold returns 2 MiB: the local backend has no multipart, but
// it copies 1 MiB at a time, and an object of two chunks and a byte shows
// that a failure after the first chunk leaves nothing.
func (h *harness) MultipartThreshold() int64 { return 2 << 20 }

// Inject returns false: no network, no gateway. TestFileSystemErrors
// injects the local failures (disk full, permissions) instead.
func (h *harness) Inject(f backendtest.Fault) bool { return false }

func (h *harness) ClearFaults() {}

func (h *harness) Close() {}
