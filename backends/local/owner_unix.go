//go:build unix

package local

import (
	"errors"
	"os"
	"syscall"
)

// oNoFollow makes an open fail (ELOOP) when the last element of the path
// is a symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

// fileOwner returns the user ID that owns the file of fi.
func fileOwner(fi os.FileInfo) (int, bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), true
	}
	return -1, false
}

// isLoop reports whether an open with oNoFollow failed on a symbolic link
// (ELOOP; EMLINK on the BSDs).
func isLoop(err error) bool { return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK) }
