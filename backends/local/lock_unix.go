//go:build unix

package local

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"github.com/resilient-upload/upload/uploader"
)

// lock takes the lock of the shard holding the key with hash h: a mutex for
// the goroutines of this process, then an exclusive flock(2) on the shard's
// .lock file for other processes. The lock file is never removed, so two
// processes always lock the same inode.
func (b *Backend) lock(h string) (unlock func(), err error) {
	mu := &b.shardMu[shardIndex(h)]
	mu.Lock()
	if err := b.checkDir(b.shardDir(h)); err != nil {
		mu.Unlock()
		return nil, err
	}
	path := filepath.Join(b.shardDir(h), ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|oNoFollow, b.fileMode)
	if err != nil {
		mu.Unlock()
		if isLoop(err) {
			return nil, b.errorf(uploader.AccessDenied, "lock", "", err,
				"the lock file %s is a symbolic link; the backup does not follow links (remove it)", path)
		}
		return nil, err
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		mu.Unlock()
		return nil, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
		mu.Unlock()
	}, nil
}
