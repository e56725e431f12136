package gateway

import (
	"hash"
	"hash/crc64"
	"io"
	"sync"

	"github.com/resilient-upload/upload/internal/xfer"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

// crcReader computes the CRC-64/ECMA (as the SDKs compute it with
// hash/crc64) and length of what is read through it. It is read by the
// transport's write loop, which may still be inside Read when the upstream's
// reply arrives, so the handler takes the result through sum, under the lock.
type crcReader struct {
	r  io.Reader
	mu sync.Mutex
	h  hash.Hash64
	n  int64
}

func newCRCReader(r io.Reader) *crcReader { return &crcReader{r: r, h: crc64.New(crcTable)} }

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.mu.Lock()
	c.h.Write(p[:n])
	c.n += int64(n)
	c.mu.Unlock()
	return n, err
}

// sum returns the CRC and the length of what was read so far.
func (c *crcReader) sum() (uint64, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.h.Sum64(), c.n
}

func (c *crcReader) Close() error { return nil }

// partCRC is one uploaded part's checksum.
type partCRC struct {
	crc  uint64
	size int64
}

// maxTrackedUploads bounds the memory of part checksums; uploads beyond it
// complete without a CRC header.
const maxTrackedUploads = 10000

// partCRCs remembers the CRC of every part uploaded through the gateway,
// per upload ID, until the upload completes or is aborted.
type partCRCs struct {
	mu sync.Mutex
	m  map[string]map[int]partCRC
}

func (p *partCRCs) init() { p.m = map[string]map[int]partCRC{} }

func (p *partCRCs) put(uploadID string, part int, c partCRC) {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts, ok := p.m[uploadID]
	if !ok {
		if len(p.m) >= maxTrackedUploads {
			return
		}
		parts = map[int]partCRC{}
		p.m[uploadID] = parts
	}
	parts[part] = c
}

// combined returns the CRC of the parts in order, if every one is known.
func (p *partCRCs) combined(uploadID string, order []int) (uint64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := p.m[uploadID]
	if len(order) == 0 || parts == nil {
		return 0, false
	}
	var crc uint64
	for _, n := range order {
		c, ok := parts[n]
		if !ok {
			return 0, false
		}
		crc = xfer.CRC64Combine(crc, c.crc, c.size)
	}
	return crc, true
}

func (p *partCRCs) forget(uploadID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, uploadID)
}
