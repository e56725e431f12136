package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"slices"
)

// digestSet is a set of 16-byte digests whose memory stays bounded, for
// the keys read from standard input (a million paths or more): up to
// memMax digests in a map; when it is full they are sorted and merged
// into a sorted file of digests (a temporary file, unlinked at once), of
// which every indexEvery-th digest stays in memory, so that a lookup
// reads one block of the file. If the temporary file cannot be written,
// the set keeps every digest in memory instead (correct, only larger).
type digestSet struct {
	mem    map[[16]byte]struct{}
	memMax int
	f      *os.File   // the sorted digests on disk; nil: none
	n      int        // digests in f
	index  [][16]byte // f's digest at every indexEvery-th position
	buf    []byte
	failed bool // the file failed: memory only from then on
}

// indexEvery is the digests per block of the file (4 KiB).
const indexEvery = 256

func newDigestSet(memMax int) *digestSet {
	return &digestSet{mem: make(map[[16]byte]struct{}), memMax: memMax}
}

// len is the number of digests held.
func (s *digestSet) len() int { return len(s.mem) + s.n }

// has reports whether d is in the set.
func (s *digestSet) has(d [16]byte) bool {
	if _, ok := s.mem[d]; ok {
		return true
	}
	if s.f == nil {
		return false
	}
	// The last block whose first digest is at most d.
	i, found := slices.BinarySearchFunc(s.index, d, func(e, t [16]byte) int { return bytes.Compare(e[:], t[:]) })
	if found {
		return true
	}
	if i == 0 {
		return false
	}
	i--
	start, end := i*indexEvery, min((i+1)*indexEvery, s.n)
	b := s.buf[:(end-start)*16]
	if _, err := s.f.ReadAt(b, int64(start)*16); err != nil {
		// Unreadable: a duplicate may go unnoticed; keep going in memory.
		s.failed = true
		return false
	}
	return blockHas(b, d)
}

// blockHas binary-searches a block of sorted 16-byte digests for d.
func blockHas(b []byte, d [16]byte) bool {
	lo, hi := 0, len(b)/16
	for lo < hi {
		m := (lo + hi) / 2
		switch c := bytes.Compare(b[m*16:m*16+16], d[:]); {
		case c == 0:
			return true
		case c < 0:
			lo = m + 1
		default:
			hi = m
		}
	}
	return false
}

// add records d, which has reports absent.
func (s *digestSet) add(d [16]byte) {
	s.mem[d] = struct{}{}
	if len(s.mem) >= s.memMax && !s.failed {
		if err := s.spill(); err != nil {
			s.failed = true
		}
	}
}

// spill merges the digests in memory into the file.
func (s *digestSet) spill() error {
	ds := make([][16]byte, 0, len(s.mem))
	for d := range s.mem {
		ds = append(ds, d)
	}
	slices.SortFunc(ds, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	nf, err := os.CreateTemp("", "upload-keys-*")
	if err != nil {
		return err
	}
	os.Remove(nf.Name()) // the open file stays; Windows keeps the name until close
	w := bufio.NewWriterSize(nf, 64<<10)
	var index [][16]byte
	n := 0
	put := func(d [16]byte) error {
		if n%indexEvery == 0 {
			index = append(index, d)
		}
		n++
		_, err := w.Write(d[:])
		return err
	}
	if err := s.merge(ds, put); err != nil {
		nf.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		nf.Close()
		return err
	}
	if s.f != nil {
		s.f.Close()
	}
	s.f, s.n, s.index = nf, n, index
	if s.buf == nil {
		s.buf = make([]byte, indexEvery*16)
	}
	clear(s.mem)
	return nil
}

// merge calls put with the digests of ds and of the file, in order.
func (s *digestSet) merge(ds [][16]byte, put func([16]byte) error) error {
	var r *bufio.Reader
	if s.f != nil {
		r = bufio.NewReaderSize(io.NewSectionReader(s.f, 0, int64(s.n)*16), 64<<10)
	}
	var cur [16]byte
	have := false
	next := func() error {
		if r == nil {
			return nil
		}
		_, err := io.ReadFull(r, cur[:])
		if err == io.EOF {
			r = nil
			return nil
		}
		have = err == nil
		return err
	}
	if err := next(); err != nil {
		return err
	}
	for len(ds) > 0 || have {
		if have && (len(ds) == 0 || bytes.Compare(cur[:], ds[0][:]) < 0) {
			if err := put(cur); err != nil {
				return err
			}
			have = false
			if err := next(); err != nil {
				return err
			}
			continue
		}
		if err := put(ds[0]); err != nil {
			return err
		}
		ds = ds[1:]
	}
	return nil
}

// close removes the file.
func (s *digestSet) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}
