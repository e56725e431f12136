// Command upload uploads files and directories through the upload contract.
//
// Usage:
//
//	upload PATH...
//
// Each PATH is a file or a directory; directories are walked recursively.
// A file's key is its path relative to the PATH argument, with slashes (a
// file argument's key is its base name). Each stored file is printed on
// standard output as
//
//	path -> key -> URL
//
// and each failure on standard error, naming the file. The exit status is 0
// if every file was stored, 1 if any failed, 2 for a usage error.
//
// With no configuration (this first version reads none), objects go to the
// local backup backend in ./uploads, so the command works with no cloud
// account.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/uploader"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage: upload PATH...

Uploads each file, and each directory recursively, printing
"path -> key -> URL" for every file stored. With no configuration the
target is the local backup directory ./uploads.
`

// run is the command without the process around it: it returns the exit
// status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("upload", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fl.NArg() == 0 {
		fl.Usage()
		return 2
	}
	b, err := newBackend()
	if err != nil {
		fmt.Fprintf(stderr, "upload: %v\n", err)
		return 1
	}
	defer b.Close()
	c := &command{u: uploader.New(b), stdout: stdout, stderr: stderr, skip: skipDir(b)}
	for _, arg := range fl.Args() {
		if ctx.Err() != nil {
			break
		}
		c.uploadArg(ctx, arg)
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "upload: interrupted\n")
		return 1
	}
	if c.failed > 0 {
		fmt.Fprintf(stderr, "upload: %d of %d files failed\n", c.failed, c.failed+c.stored)
		return 1
	}
	return 0
}

// newBackend returns the target. With no configuration it is the local
// backup in ./uploads; a later version chooses a provider here from the
// configuration, with a plain switch.
func newBackend() (uploader.Backend, error) {
	return local.New(local.Options{Dir: local.DefaultDir})
}

// skipDir returns the directory the walk must not enter: the local root,
// so that `upload .` does not upload its own output.
func skipDir(b uploader.Backend) os.FileInfo {
	if lb, ok := b.(*local.Backend); ok {
		if fi, err := os.Stat(lb.Dir()); err == nil {
			return fi
		}
	}
	return nil
}

type command struct {
	u              uploader.Uploader
	stdout, stderr io.Writer
	skip           os.FileInfo
	stored, failed int
}

func (c *command) fail(path string, err error) {
	c.failed++
	fmt.Fprintf(c.stderr, "upload: %s: %v\n", path, err)
}

// uploadArg uploads one command-line argument: a file, or a directory tree.
func (c *command) uploadArg(ctx context.Context, arg string) {
	fi, err := os.Stat(arg)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = errors.New("no such file or directory")
		}
		c.fail(arg, err)
		return
	}
	if !fi.IsDir() {
		c.uploadFile(ctx, arg, filepath.Base(arg))
		return
	}
	err = filepath.WalkDir(arg, func(path string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			c.fail(path, err)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if c.skip != nil {
				if fi, err := d.Info(); err == nil && os.SameFile(fi, c.skip) {
					fmt.Fprintf(c.stderr, "upload: %s: skipped (the local backup directory)\n", path)
					return fs.SkipDir
				}
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if fi, err := os.Stat(path); err == nil && fi.IsDir() {
				fmt.Fprintf(c.stderr, "upload: %s: skipped (a link to a directory)\n", path)
				return nil
			}
		}
		rel, err := filepath.Rel(arg, path)
		if err != nil {
			c.fail(path, err)
			return nil
		}
		c.uploadFile(ctx, path, filepath.ToSlash(rel))
		return nil
	})
	if err != nil && ctx.Err() == nil {
		c.fail(arg, err)
	}
}

// uploadFile uploads the file at path under key and prints the outcome.
func (c *command) uploadFile(ctx context.Context, path, key string) {
	obj, err := uploader.FileObject(key, path)
	if err != nil {
		c.fail(path, err)
		return
	}
	res, err := c.u.Upload(ctx, obj)
	if err != nil {
		c.fail(path, err)
		return
	}
	c.stored++
	fmt.Fprintf(c.stdout, "%s -> %s -> %s\n", path, key, res.URL)
}
