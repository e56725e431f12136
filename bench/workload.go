package main

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// workload is a set of Files files of Size bytes each, generated
// deterministically into one flat directory.
type workload struct {
	// Name is the workload's short name (small, medium, large, warmup).
	Name string
	// Files and Size describe the files; every file has the same size.
	Files int
	Size  int64
	// Dir is where the files are, once generated.
	Dir string
}

// Bytes is the workload's total size.
func (w workload) Bytes() int64 { return int64(w.Files) * w.Size }

// Label describes the workload as "10,000 × 16 KiB".
func (w workload) Label() string {
	return fmt.Sprintf("%s × %s", thousands(int64(w.Files)), humanBytes(w.Size))
}

// fileName is the base name of file i; names are unique within a workload,
// so a run is verified by base name whatever key layout a tool chooses.
func fileName(i int) string { return fmt.Sprintf("f%05d.bin", i) }

// workloads returns the benchmark's workloads: the sizes, or scaled
// down for a smoke run.
func workloads(quick bool) []workload {
	if quick {
		return []workload{
			{Name: "small", Files: 500, Size: 16 << 10},
			{Name: "medium", Files: 20, Size: 8 << 20},
			{Name: "large", Files: 1, Size: 64 << 20},
		}
	}
	return []workload{
		{Name: "small", Files: 10000, Size: 16 << 10},
		{Name: "medium", Files: 200, Size: 8 << 20},
		{Name: "large", Files: 1, Size: 1 << 30},
	}
}

// parseWorkloads parses "name=COUNTxSIZE,..." (SIZE with a KiB, MiB or
// GiB suffix, e.g. "small=1000x16KiB,large=1x256MiB").
func parseWorkloads(spec string) ([]workload, error) {
	var out []workload
	for _, item := range strings.Split(spec, ",") {
		name, rest, ok := strings.Cut(strings.TrimSpace(item), "=")
		count, size, ok2 := strings.Cut(rest, "x")
		if !ok || !ok2 || name == "" {
			return nil, fmt.Errorf("workload %q: want name=COUNTxSIZE", item)
		}
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("workload %q: bad count", item)
		}
		mult := int64(1)
		for suf, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
			if strings.HasSuffix(size, suf) {
				size, mult = strings.TrimSuffix(size, suf), m
			}
		}
		v, err := strconv.ParseInt(size, 10, 64)
		if err != nil || v < 1 {
			return nil, fmt.Errorf("workload %q: bad size", item)
		}
		out = append(out, workload{Name: name, Files: n, Size: v * mult})
	}
	return out, nil
}

// warmupWorkloads are run once per tool before the measured rounds, untimed:
// they page the binaries in, and check each tool works at all (a small
// single-request file and a file above the multipart threshold).
func warmupWorkloads() []workload {
	return []workload{
		{Name: "warmup-small", Files: 20, Size: 16 << 10},
		{Name: "warmup-multipart", Files: 1, Size: 40 << 20},
	}
}

// seed derives file i's PRNG seed from the workload's name and size, so the
// bytes of a file depend on nothing else.
func seed(name string, size int64, i int) [32]byte {
	var s [32]byte
	h := fnv.New64a()
	fmt.Fprintf(h, "upload-bench/%s/%d/%d", name, size, i)
	sum := h.Sum64()
	for j := 0; j < 4; j++ {
		for k := 0; k < 8; k++ {
			s[j*8+k] = byte(sum >> (8 * k))
		}
		sum = sum*6364136223846793005 + 1442695040888963407
	}
	return s
}

// writeFile writes file i of w (incompressible pseudo-random bytes) to path.
func writeFile(w workload, i int, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	src := rand.NewChaCha8(seed(w.Name, w.Size, i))
	if _, err := io.CopyN(bw, src, w.Size); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// generate writes w's files into dir/w.Name, one goroutine per CPU, and
// returns w with Dir set.
func generate(w workload, dir string) (workload, error) {
	w.Dir = filepath.Join(dir, w.Name)
	if err := os.MkdirAll(w.Dir, 0o755); err != nil {
		return w, err
	}
	idx := make(chan int)
	errs := make(chan error, runtime.NumCPU())
	var wg sync.WaitGroup
	for g := 0; g < runtime.NumCPU(); g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range idx {
				if err := writeFile(w, i, filepath.Join(w.Dir, fileName(i))); err != nil {
					errs <- fmt.Errorf("generate %s: %w", w.Name, err)
					for range idx {
					}
					return
				}
			}
		}()
	}
	for i := 0; i < w.Files; i++ {
		idx <- i
	}
	close(idx)
	wg.Wait()
	close(errs)
	return w, <-errs
}

// freeBytes is the space available to an unprivileged writer in dir's file
// system.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// chooseBase picks where the workloads and MinIO's data go: /dev/shm when
// it exists and has room for need bytes, else the temporary directory. It
// reports whether the choice is a tmpfs.
func chooseBase(need uint64) (dir string, tmpfs bool, why string) {
	const shm = "/dev/shm"
	fi, err := os.Stat(shm)
	if err != nil || !fi.IsDir() {
		return os.TempDir(), false, "no /dev/shm"
	}
	free, err := freeBytes(shm)
	if err != nil {
		return os.TempDir(), false, "statfs /dev/shm: " + err.Error()
	}
	if free < need {
		return os.TempDir(), false, fmt.Sprintf("/dev/shm has %s free, the run needs %s", humanBytes(int64(free)), humanBytes(int64(need)))
	}
	return shm, true, fmt.Sprintf("/dev/shm (tmpfs, %s free)", humanBytes(int64(free)))
}

// humanBytes formats n with binary units, exactly where possible (16 KiB,
// 8 MiB, 1 GiB).
func humanBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f := float64(n)
	u := 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d %s", int64(f), units[u])
	}
	return fmt.Sprintf("%.1f %s", f, units[u])
}

// thousands formats n with comma separators: 10000 → "10,000".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
