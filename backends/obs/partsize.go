package obs

import (
	"github.com/resilient-upload/upload/internal/xfer"
	"github.com/resilient-upload/upload/uploader"
)

var _ uploader.PartSizer = (*Backend)(nil)

// PartSize returns the size of every part but the last that Put uses for
// an object of size bytes, or 0 when Put sends it in one request (up to the
// multipart threshold). The failover package uses it to check a multipart
// ETag against an object's bytes ([uploader.PartSizer]).
func (b *Backend) PartSize(size int64) int64 {
	if size <= b.threshold {
		return 0
	}
	return xfer.PartSize(size, b.partSize)
}
