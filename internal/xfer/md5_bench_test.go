//go:build unix

package xfer

import (
	"bytes"
	"crypto/md5"
	"fmt"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	md5simd "github.com/minio/md5-simd"
)

// cpuTime is the process's user+system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPartMD5 hashes the parts of a 256 MiB object, 4 in flight as a
// multipart upload sends them (and 16, as many files at once would), with
// crypto/md5 and with md5-simd, and reports MB/s and the CPU seconds per
// GiB hashed (user+system of the process).
func BenchmarkPartMD5(b *testing.B) {
	for _, conc := range []int{4, 16} {
		b.Run(fmt.Sprintf("inflight=%d", conc), func(b *testing.B) { benchPartMD5(b, conc) })
	}
}

func benchPartMD5(b *testing.B, conc int) {
	const size, part = 256 << 20, 16 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	body := bytes.NewReader(data)
	srv := md5simd.NewServer()
	defer srv.Close()
	impls := map[string]func(r io.ReaderAt, off, n int64) []byte{
		"stdlib": func(r io.ReaderAt, off, n int64) []byte {
			h := md5.New()
			io.Copy(h, io.NewSectionReader(r, off, n))
			return h.Sum(nil)
		},
		"simd": func(r io.ReaderAt, off, n int64) []byte {
			h := srv.NewHash()
			defer h.Close()
			io.CopyBuffer(h, io.NewSectionReader(r, off, n), make([]byte, 64<<10))
			return h.Sum(nil)
		},
	}
	want := fmt.Sprintf("%x", impls["stdlib"](body, 0, part))
	for _, name := range []string{"stdlib", "simd"} {
		f := impls[name]
		if got := fmt.Sprintf("%x", f(body, 0, part)); got != want {
			b.Fatalf("%s: %s, want %s", name, got, want)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			cpu0 := cpuTime(b)
			for range b.N {
				next := make(chan int64)
				var wg sync.WaitGroup
				for range conc {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for off := range next {
							f(body, off, min(part, size-off))
						}
					}()
				}
				for off := int64(0); off < size; off += part {
					next <- off
				}
				close(next)
				wg.Wait()
			}
			gib := float64(size) * float64(b.N) / (1 << 30)
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/gib, "cpu-s/GiB")
		})
	}
}
