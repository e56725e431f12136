//go:build !unix

package local

import (
	"errors"
	"io/fs"

	"github.com/resilient-upload/upload/uploader"
)

// errnoKind is the classification table of file-system errors on systems
// without Unix errno values: only permission errors are recognised.
func errnoKind(err error) (uploader.Kind, string) {
	if errors.Is(err, fs.ErrPermission) {
		return uploader.AccessDenied, "permission denied"
	}
	return uploader.Unknown, ""
}
