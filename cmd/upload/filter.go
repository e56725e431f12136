package main

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// filterHelp documents the filters and their precedence, for --help.
const filterHelp = `Filters:
  --include GLOB, --exclude GLOB (each repeatable) and --exclude-from FILE
  (one GLOB a line; blank lines and lines starting with # are ignored)
  match the key relative to the PATH argument, before --prefix: the path
  under a directory argument, a file argument's base name, a path from
  standard input as written. A GLOB without "/" matches a name at any
  depth (".DS_Store", "*.tmp"); one with "/" matches from the argument's
  root, "**" crossing directories ("logs/**/*.gz"). A GLOB that matches a
  directory matches every file under it ("node_modules", ".git"); an
  excluded directory is not walked (nor are its files counted).
  Precedence, first that applies:
    1. --min-size / --max-size: a file smaller or larger is left out;
    2. --exclude, --exclude-from: a matching file is left out, even when an
       --include matches it too;
    3. --include: when any is given, only a matching file is kept;
    4. otherwise the file is kept.
  Files left out are not reported, only counted ("filtered" in the --json
  summary); --dry-run lists what the filters select.`

// filterFlags are the command-line filters, as given.
type filterFlags struct {
	include, exclude []string
	excludeFrom      []string
	minSize, maxSize string
}

// filter selects the files to upload; the zero value selects every file.
type filter struct {
	include, exclude []string
	// minSize and maxSize bound the size; maxSize < 0 means no bound.
	minSize, maxSize int64
}

// newFilter checks and reads the filter flags; every mistake is a usage
// error naming the flag, the file and line, and the pattern.
func newFilter(f filterFlags) (*filter, error) {
	flt := &filter{maxSize: -1}
	add := func(dst *[]string, where, p string) error {
		p = strings.TrimPrefix(p, "/")
		if p == "" {
			return &usageError{where + ": an empty pattern"}
		}
		if !doublestar.ValidatePattern(p) {
			return &usageError{fmt.Sprintf("%s %q: not a valid glob (check the brackets and escapes)", where, p)}
		}
		*dst = append(*dst, p)
		return nil
	}
	for _, p := range f.include {
		if err := add(&flt.include, "--include", p); err != nil {
			return nil, err
		}
	}
	for _, p := range f.exclude {
		if err := add(&flt.exclude, "--exclude", p); err != nil {
			return nil, err
		}
	}
	for _, name := range f.excludeFrom {
		fh, err := os.Open(name)
		if err != nil {
			return nil, &usageError{fmt.Sprintf("--exclude-from %s: %v", name, plainErr(err))}
		}
		sc := bufio.NewScanner(fh)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if err := add(&flt.exclude, fmt.Sprintf("--exclude-from %s:%d", name, n), line); err != nil {
				fh.Close()
				return nil, err
			}
		}
		err = sc.Err()
		fh.Close()
		if err != nil {
			return nil, &usageError{fmt.Sprintf("--exclude-from %s: %v", name, err)}
		}
	}
	var err error
	if f.minSize != "" {
		if flt.minSize, err = parseSize(f.minSize); err != nil {
			return nil, &usageError{"--min-size " + err.Error()}
		}
	}
	if f.maxSize != "" {
		if flt.maxSize, err = parseSize(f.maxSize); err != nil {
			return nil, &usageError{"--max-size " + err.Error()}
		}
		if flt.maxSize < flt.minSize {
			return nil, &usageError{fmt.Sprintf("--max-size %s is below --min-size %s: no file would be selected", f.maxSize, f.minSize)}
		}
	}
	return flt, nil
}

// selects reports whether the file at rel (relative to its argument,
// "/"-separated) is kept; size < 0 means unknown (not checked).
func (f *filter) selects(rel string, size int64) bool {
	if f == nil {
		return true
	}
	if size >= 0 && (size < f.minSize || f.maxSize >= 0 && size > f.maxSize) {
		return false
	}
	if matchAny(f.exclude, rel) {
		return false
	}
	return len(f.include) == 0 || matchAny(f.include, rel)
}

// skipsDir reports whether the directory at rel is excluded, so that the
// walk need not enter it.
func (f *filter) skipsDir(rel string) bool {
	return f != nil && rel != "" && matchAny(f.exclude, rel)
}

// matchAny reports whether a pattern matches rel or one of the
// directories above it: a pattern without "/" is tried on each name, one
// with "/" on each leading part of the path.
func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		hasSlash := strings.Contains(p, "/")
		for q := rel; q != "" && q != "."; q = parentDir(q) {
			subject := q
			if !hasSlash {
				subject = path.Base(q)
			}
			if ok, _ := doublestar.Match(p, subject); ok {
				return true
			}
		}
	}
	return false
}

func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// relKey is the key of job without --prefix: what the filters match.
func relKey(prefix, key string) string {
	p := strings.TrimRight(prefix, "/")
	if p == "" {
		return key
	}
	return strings.TrimPrefix(key, p+"/")
}

// jobSize is the size the filters check: the file's, or -1 when the job
// is no regular file (its error is reported unless a pattern excludes it).
func jobSize(j fileJob) int64 {
	if j.err != nil || j.info == nil || !j.info.Mode().IsRegular() {
		return -1
	}
	return j.info.Size()
}
