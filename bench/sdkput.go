package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// sdkputMain is the hidden `sdkput` subcommand: it uploads a directory with
// minio-go directly (no failover layer, no retries of its own beyond the
// SDK's), with the same file and part concurrency as the other tools. The
// harness runs it as a child process like every other tool, so its rusage
// is measured the same way; it is the "SDK called directly" baseline the
// failover layer's overhead is measured against.
//
// Credentials come from BENCH_ACCESS_KEY and BENCH_SECRET_KEY.
func sdkputMain(args []string) int {
	fsys := flag.NewFlagSet("sdkput", flag.ContinueOnError)
	endpoint := fsys.String("endpoint", "", "host:port of the S3 server (plain http, loopback)")
	bucket := fsys.String("bucket", "", "bucket")
	prefix := fsys.String("prefix", "", "key prefix")
	jobs := fsys.Int("jobs", 16, "files uploaded concurrently")
	partSize := fsys.Int64("part-size", 16<<20, "multipart part size in bytes")
	partJobs := fsys.Int("part-jobs", 4, "parts uploaded concurrently per file")
	if err := fsys.Parse(args); err != nil {
		return 2
	}
	if fsys.NArg() != 1 || *endpoint == "" || *bucket == "" {
		fmt.Fprintln(os.Stderr, "usage: bench sdkput -endpoint HOST:PORT -bucket B [-prefix P] [-jobs N] [-part-size BYTES] [-part-jobs N] DIR")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := minio.New(*endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(os.Getenv("BENCH_ACCESS_KEY"), os.Getenv("BENCH_SECRET_KEY"), ""),
		Region: "us-east-1",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkput:", err)
		return 1
	}
	root := fsys.Arg(0)
	paths := make(chan string)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		nerr  int
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
		nerr++
	}
	for i := 0; i < max(*jobs, 1); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range paths {
				if err := putFile(ctx, c, *bucket, *prefix, root, p, *partSize, *partJobs); err != nil {
					fail(err)
				}
			}
		}()
	}
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			select {
			case paths <- p:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	close(paths)
	wg.Wait()
	if walkErr != nil {
		fail(walkErr)
	}
	if first != nil {
		fmt.Fprintf(os.Stderr, "sdkput: %d failures; first: %v\n", nerr, first)
		return 1
	}
	return 0
}

func putFile(ctx context.Context, c *minio.Client, bucket, prefix, root, p string, partSize int64, partJobs int) error {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return err
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	_, err = c.PutObject(ctx, bucket, prefix+filepath.ToSlash(rel), f, fi.Size(), minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    uint64(partSize),
		NumThreads:  uint(max(partJobs, 1)),
	})
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return nil
}
