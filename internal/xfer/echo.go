package xfer

import (
	"fmt"
	"io"
	"sync/atomic"

	"github.com/resilient-upload/upload/uploader"
)

// SendVerified sends part p of body, the object key's, by send, which puts it (with
// Content-MD5 when p.MD5 is set) and reports whether the reply carried the
// server's checksum of the part, which the SDK compared with the bytes
// sent. While md5Only is false the part goes without an MD5: the checksum
// the server returns verifies it at a fraction of the CPU. A reply without
// one comes from a store that computed none and so verified nothing: the
// part is sent again with its Content-MD5, and md5Only is set, so that every
// later part that shares it (the backend's) goes with its MD5 at once. A
// body that cannot be read for the MD5 gives Kind Invalid, naming key.
func SendVerified(body io.ReaderAt, key string, p Part, md5Only *atomic.Bool, send func(Part) (etag string, echoed bool, err error)) (string, error) {
	if !md5Only.Load() {
		etag, echoed, err := send(p)
		if err != nil || echoed {
			return etag, err
		}
		md5Only.Store(true)
	}
	sum, err := MD5(body, p.Offset, p.Size)
	if err != nil {
		return "", &uploader.Error{Kind: uploader.Invalid, Op: "read", Key: key, Message: fmt.Sprintf("reading part %d: %v", p.Number, err), Err: err}
	}
	p.MD5 = sum
	etag, _, err := send(p)
	return etag, err
}
