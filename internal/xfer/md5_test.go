package xfer

import (
	"bytes"
	"crypto/md5"
	"runtime"
	"testing"
)

// heapInUse returns the heap in use after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestMD5KeepsNoMemoryPerCall: MD5 is called once per small file, a
// million times in a large run; it must not keep anything per call.
// (md5-simd's server keeps a closed hasher's registration until it
// schedules that hasher again, which it may never do: about 300 bytes per
// call.) The sums are crypto/md5's.
func TestMD5KeepsNoMemoryPerCall(t *testing.T) {
	small := []byte("sixteen bytes!!!")
	large := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, b := range [][]byte{nil, small, large} {
		got, err := MD5(bytes.NewReader(b), 0, int64(len(b)))
		if want := md5.Sum(b); err != nil || !bytes.Equal(got, want[:]) {
			t.Fatalf("MD5 of %d bytes: %x, %v; want %x", len(b), got, err, want)
		}
	}
	for range 1000 { // warm up: pools, the server
		MD5(bytes.NewReader(small), 0, int64(len(small)))
	}
	before := heapInUse()
	for range 100000 {
		MD5(bytes.NewReader(small), 0, int64(len(small)))
	}
	if grew := int64(heapInUse()) - int64(before); grew > 4<<20 {
		t.Fatalf("the heap grew by %d MiB over 100,000 calls: memory kept per call", grew>>20)
	}
}

// TestMD5ReusesSIMDHashers: parts (md5-simd from simdMin) reuse hashers
// instead of making one per call, each of which its server would keep for
// good; the sums stay crypto/md5's.
func TestMD5ReusesSIMDHashers(t *testing.T) {
	part := bytes.Repeat([]byte("part bytes 0123"), simdMin/15+1)
	want := md5.Sum(part)
	before := simdMade.Load()
	for i := range 6 {
		got, err := MD5(bytes.NewReader(part), 0, int64(len(part)))
		if err != nil || !bytes.Equal(got, want[:]) {
			t.Fatalf("call %d: %x, %v; want %x", i, got, err, want)
		}
	}
	if made := simdMade.Load() - before; made > 1 {
		t.Errorf("%d md5-simd hashers made for 6 calls one after another, want at most 1", made)
	}
}
