package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
)

// listed is one object found under a run's prefix.
type listed struct {
	Key  string
	Size int64
}

// listPrefix lists every object under prefix in bucket.
func listPrefix(ctx context.Context, c *minio.Client, bucket, prefix string) ([]listed, error) {
	var out []listed
	for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s/%s: %w", bucket, prefix, o.Err)
		}
		out = append(out, listed{Key: o.Key, Size: o.Size})
	}
	return out, nil
}

// checkUpload returns nil if objs is exactly w's files: one object per
// file, matched by base name (tools differ in whether the source directory's
// name becomes part of the key), each of the file's size, and nothing else.
// Its error says how many objects are missing, extra or of the wrong size,
// naming a few.
func checkUpload(w workload, objs []listed) error {
	want := make(map[string]bool, w.Files)
	for i := 0; i < w.Files; i++ {
		want[fileName(i)] = true
	}
	seen := make(map[string]bool, len(objs))
	var extra, wrongSize, dup []string
	for _, o := range objs {
		base := path.Base(o.Key)
		switch {
		case !want[base]:
			extra = append(extra, o.Key)
		case seen[base]:
			dup = append(dup, o.Key)
		case o.Size != w.Size:
			wrongSize = append(wrongSize, fmt.Sprintf("%s (%d bytes)", o.Key, o.Size))
			seen[base] = true
		default:
			seen[base] = true
		}
	}
	var missing []string
	for i := 0; i < w.Files; i++ {
		if !seen[fileName(i)] {
			missing = append(missing, fileName(i))
		}
	}
	if len(extra)+len(wrongSize)+len(dup)+len(missing) == 0 {
		return nil
	}
	var parts []string
	add := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		sort.Strings(names)
		ex := names
		if len(ex) > 3 {
			ex = ex[:3]
		}
		parts = append(parts, fmt.Sprintf("%d %s (%s)", len(names), what, strings.Join(ex, ", ")))
	}
	add("missing", missing)
	add("of the wrong size", wrongSize)
	add("duplicated", dup)
	add("unexpected", extra)
	return fmt.Errorf("found %d objects for %d files: %s", len(objs), w.Files, strings.Join(parts, "; "))
}

// removePrefix deletes every object under prefix in bucket, so the server's
// data stays small across runs.
func removePrefix(ctx context.Context, c *minio.Client, bucket, prefix string) error {
	ch := make(chan minio.ObjectInfo)
	errc := make(chan error, 1)
	go func() {
		defer close(ch)
		for o := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if o.Err != nil {
				errc <- o.Err
				return
			}
			select {
			case ch <- o:
			case <-ctx.Done():
				return
			}
		}
	}()
	var first error
	for e := range c.RemoveObjects(ctx, bucket, ch, minio.RemoveObjectsOptions{}) {
		if first == nil {
			first = fmt.Errorf("remove %s: %w", e.ObjectName, e.Err)
		}
	}
	select {
	case err := <-errc:
		if first == nil {
			first = err
		}
	default:
	}
	return first
}

// minioClient is the client the harness verifies and cleans up with.
type minioClient = *minio.Client

// purgeTrash empties MinIO's trash (.minio.sys/tmp/.trash under its data
// directory). MinIO moves deleted objects there and frees them in the
// background, which lags far behind a benchmark's deletes: on tmpfs the
// trash would grow by every upload, in RAM. Entries MinIO removes at the
// same time are not an error.
func purgeTrash(dataDir string) error {
	trash := filepath.Join(dataDir, ".minio.sys", "tmp", ".trash")
	entries, err := os.ReadDir(trash)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(trash, e.Name())); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
