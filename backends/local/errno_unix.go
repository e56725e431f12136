//go:build unix

package local

import (
	"errors"
	"io/fs"
	"syscall"

	"github.com/resilient-upload/upload/uploader"
)

// errnoKind is the classification table of file-system errors: the Kind of
// err and a short reason for the message, or Unknown and "" when err is
// none of these.
func errnoKind(err error) (uploader.Kind, string) {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return uploader.Unavailable, "disk full"
	case errors.Is(err, syscall.EDQUOT):
		return uploader.Unavailable, "disk quota exceeded"
	case errors.Is(err, syscall.EROFS):
		return uploader.AccessDenied, "read-only file system"
	case errors.Is(err, fs.ErrPermission):
		return uploader.AccessDenied, "permission denied"
	}
	return uploader.Unknown, ""
}
