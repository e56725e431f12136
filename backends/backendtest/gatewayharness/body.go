package gatewayharness

import (
	"io"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/uploader"
)

// Zeroes returns an object of n zero bytes under key that takes no memory.
func Zeroes(key string, n int64) uploader.Object {
	return uploader.Object{Key: key, Size: n, Open: func() (uploader.Body, error) { return zeroes{n}, nil }}
}

type zeroes struct{ n int64 }

func (z zeroes) ReadAt(p []byte, off int64) (int, error) {
	if off >= z.n {
		return 0, io.EOF
	}
	n := len(p)
	if rem := z.n - off; int64(n) > rem {
		n = int(rem)
	}
	clear(p[:n])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (zeroes) Close() error { return nil }

// Generated returns an object of size bytes under key made up as it is
// read: a 64 KiB block of [backendtest.Data] repeated, each copy with its
// index mixed into its first 8 bytes, so that parts differ and nothing is
// held in memory or on disk.
func Generated(key string, size int64) uploader.Object {
	block := backendtest.Data(64<<10, 42)
	return uploader.Object{Key: key, Size: size, Open: func() (uploader.Body, error) {
		return &generated{block: block, size: size}, nil
	}}
}

type generated struct {
	block []byte
	size  int64
}

func (g *generated) ReadAt(p []byte, off int64) (int, error) {
	if off >= g.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < g.size {
		bi, bo := off/int64(len(g.block)), off%int64(len(g.block))
		c := copy(p[n:], g.block[bo:])
		if rest := g.size - off; int64(c) > rest {
			c = int(rest)
		}
		// The block's first 8 bytes carry its index.
		for j := bo; j < 8 && j < bo+int64(c); j++ {
			p[n+int(j-bo)] ^= byte(bi >> (8 * j))
		}
		n += c
		off += int64(c)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (g *generated) Close() error { return nil }
