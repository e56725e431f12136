package gateway

import (
	"hash"
	"hash/crc64"
	"io"
	"sync"
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

// crc64Combine returns the CRC of A+B from crcA, crcB and len(B): the
// GF(2) matrix method of zlib's crc32_combine, for the reflected ECMA
// polynomial. It lets the gateway answer a multipart complete with the CRC
// of the whole object from the parts' CRCs.
func crc64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [64]uint64
	odd[0] = crc64.ECMA // the operator for one zero bit
	row := uint64(1)
	for n := 1; n < 64; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd)
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[64]uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[64]uint64) {
	for n := 0; n < 64; n++ {
		square[n] = gf2Times(mat, mat[n])
	}
}

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
		crc = crc64Combine(crc, c.crc, c.size)
	}
	return crc, true
}

func (p *partCRCs) forget(uploadID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, uploadID)
}
