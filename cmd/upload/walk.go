package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// fileJob is one file found by the walk, or a path that cannot be
// uploaded (err set).
type fileJob struct {
	// path is the file's path as the user gave it or as the walk joined it.
	path string
	// key is the object key, --prefix included; empty when err is set
	// before a key could be made.
	key  string
	info os.FileInfo
	err  error
}

// walker turns the arguments into fileJobs.
type walker struct {
	prefix string
	// exactKey, if set, is the key of the one file argument (a destination
	// that names the object).
	exactKey string
	stdin    io.Reader
	// skip are directories never entered (the local backup) and files never
	// uploaded (the state file); note is told why.
	skip []os.FileInfo
	note func(format string, args ...any)
	out  chan<- fileJob
	// args are the arguments walked so far, to walk each file or
	// directory once however it is written (d, d/, ./d).
	args []walkedArg
	// skipDir, if set, says which directories (relative to the argument)
	// the filters exclude: they are not entered.
	skipDir func(rel string) bool
}

// run walks every argument in order, then closes the channel. It stops
// early when ctx is done.
func (w *walker) run(ctx context.Context, args []string) {
	defer close(w.out)
	usedStdin := false
	for _, arg := range args {
		if ctx.Err() != nil {
			return
		}
		if arg == "-" {
			if usedStdin {
				w.send(ctx, fileJob{path: "-", err: errors.New("standard input is read once; give \"-\" only once")})
				continue
			}
			usedStdin = true
			w.stdinList(ctx)
			continue
		}
		w.arg(ctx, arg)
	}
}

func (w *walker) send(ctx context.Context, j fileJob) bool {
	select {
	case w.out <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// stdinList reads paths from standard input, one per line. Each must be a
// file; its key is the path as written, cleaned and slash-separated,
// without a leading "./" or "/".
func (w *walker) stdinList(ctx context.Context) {
	sc := bufio.NewScanner(w.stdin)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if ctx.Err() != nil {
			return
		}
		p := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(p) == "" {
			continue
		}
		key := filepath.ToSlash(filepath.Clean(p))
		key = strings.TrimLeft(key, "/")
		for strings.HasPrefix(key, "./") {
			key = key[2:]
		}
		fi, err := os.Stat(p)
		switch {
		case err != nil:
			w.send(ctx, fileJob{path: p, key: joinKey(w.prefix, key), err: statError(p, err)})
		case fi.IsDir():
			w.send(ctx, fileJob{path: p, key: joinKey(w.prefix, key), err: errors.New("is a directory; paths read from standard input must be files (give directories as arguments)")})
		case w.skipped(fi):
			w.note("%s: skipped (the upload state file)", shown(p))
		default:
			w.send(ctx, w.fileJob(p, joinKey(w.prefix, key), fi))
		}
	}
	if err := sc.Err(); err != nil {
		w.send(ctx, fileJob{path: "-", err: fmt.Errorf("reading paths from standard input: %v", err)})
	}
}

// arg walks one command-line argument: a file (key: its base name) or a
// directory (keys: paths relative to it).
func (w *walker) arg(ctx context.Context, arg string) {
	fi, err := os.Stat(arg)
	if err != nil {
		w.send(ctx, fileJob{path: arg, key: joinKey(w.prefix, filepath.Base(arg)), err: statError(arg, err)})
		return
	}
	if first, dup := w.seenArg(arg, fi); dup {
		w.note("%s: given more than once (as %s); walked once", shown(arg), shown(first))
		return
	}
	if !fi.IsDir() {
		if w.skipped(fi) {
			w.note("%s: skipped (the upload state file)", shown(arg))
			return
		}
		key := joinKey(w.prefix, filepath.Base(arg))
		if w.exactKey != "" {
			key = w.exactKey
		}
		w.send(ctx, w.fileJob(arg, key, fi))
		return
	}
	w.dir(ctx, arg, "", []os.FileInfo{fi})
}

// dir walks the directory at p, whose key relative to the argument is rel
// ("" for the argument itself). stack holds the directories from the
// argument down to p, to detect symbolic-link loops.
func (w *walker) dir(ctx context.Context, p, rel string, stack []os.FileInfo) bool {
	if w.skipped(stack[len(stack)-1]) {
		w.note("%s: skipped (the local backup directory)", shown(p))
		return true
	}
	ents, err := os.ReadDir(p)
	if err != nil && len(ents) == 0 {
		return w.send(ctx, fileJob{path: p, err: fmt.Errorf("cannot read the directory: %v", plainErr(err))})
	}
	for _, e := range ents {
		if ctx.Err() != nil {
			return false
		}
		cp := filepath.Join(p, e.Name())
		crel := path.Join(rel, e.Name())
		fi, err := os.Stat(cp) // follows symbolic links
		if err != nil {
			if !w.send(ctx, fileJob{path: cp, key: joinKey(w.prefix, crel), err: statError(cp, err)}) {
				return false
			}
			continue
		}
		if fi.IsDir() {
			if w.skipDir != nil && w.skipDir(crel) {
				continue
			}
			if loop := ancestor(stack, fi); loop >= 0 {
				if !w.send(ctx, fileJob{path: cp, key: joinKey(w.prefix, crel),
					err: fmt.Errorf("symbolic link loop: it leads back to a directory above it; not followed")}) {
					return false
				}
				continue
			}
			if !w.dir(ctx, cp, crel, append(stack[:len(stack):len(stack)], fi)) {
				return false
			}
			continue
		}
		if w.skipped(fi) {
			w.note("%s: skipped (the upload state file)", shown(cp))
			continue
		}
		if !w.send(ctx, w.fileJob(cp, joinKey(w.prefix, crel), fi)) {
			return false
		}
	}
	if err != nil {
		return w.send(ctx, fileJob{path: p, err: fmt.Errorf("reading the directory stopped: %v", plainErr(err))})
	}
	return true
}

// fileJob checks that fi is a regular file.
func (w *walker) fileJob(p, key string, fi os.FileInfo) fileJob {
	if !fi.Mode().IsRegular() {
		return fileJob{path: p, key: key, info: fi, err: fmt.Errorf("is not a regular file (%s); only files are uploaded", fileKind(fi.Mode()))}
	}
	return fileJob{path: p, key: key, info: fi}
}

// walkedArg is an argument walked already.
type walkedArg struct {
	arg string
	fi  os.FileInfo
}

// seenArg reports whether the file or directory fi (the argument arg) was
// an earlier argument, and records it if not. A file given twice has the
// same key both times (its base name), a directory the same keys, so the
// second would only fail as a duplicate.
func (w *walker) seenArg(arg string, fi os.FileInfo) (string, bool) {
	for _, a := range w.args {
		if os.SameFile(a.fi, fi) && (fi.IsDir() || filepath.Base(a.arg) == filepath.Base(arg)) {
			return a.arg, true
		}
	}
	w.args = append(w.args, walkedArg{arg: arg, fi: fi})
	return "", false
}

func (w *walker) skipped(fi os.FileInfo) bool {
	for _, s := range w.skip {
		if s != nil && os.SameFile(s, fi) {
			return true
		}
	}
	return false
}

func ancestor(stack []os.FileInfo, fi os.FileInfo) int {
	for i, s := range stack {
		if os.SameFile(s, fi) {
			return i
		}
	}
	return -1
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a file: " + m.Type().String()
}

// statError says why a path cannot be read, in words.
func statError(p string, err error) error {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return errors.New("symbolic link loop (too many levels of links)")
	case errors.Is(err, fs.ErrNotExist):
		if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return errors.New("broken symbolic link (its target does not exist)")
		}
		return errors.New("no such file or directory")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	}
	return plainErr(err)
}
