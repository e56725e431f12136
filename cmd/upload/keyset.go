package main

import "hash/fnv"

// keySet finds the files of one run that share a key: only the first is
// uploaded, the others fail naming the first.
//
// What it keeps depends on where the paths come from, so that a run over a
// million files does not hold a million keys and paths (about 150 bytes a
// file with both, which made the peak RSS grow with the number of files):
//
//   - one argument other than "-" (one directory, or one file): nothing.
//     No two files can share a key: the keys are the prefix plus distinct
//     paths below one directory.
//   - only "-" (paths on standard input): a 16-byte digest (FNV-128a) of
//     each key, in a [digestSet]: the first 65,536 in memory, the rest in
//     a sorted temporary file, so that memory stays flat (a map of a
//     million digests made the peak RSS grow from 27 to 101 MiB). Two
//     different keys have the same digest with a probability near 2^-128
//     for any realistic run; the duplicate's error then names no earlier
//     path.
//   - several arguments: every key with the path of its first file.
type keySet struct {
	first   map[string]string // several arguments
	digests *digestSet        // standard input only
}

// newKeySet returns the key set for a run over args.
func newKeySet(args []string) *keySet {
	switch {
	case len(args) == 1 && args[0] == "-":
		return &keySet{digests: newDigestSet(digestsInMemory)}
	case len(args) == 1:
		return &keySet{}
	}
	return &keySet{first: map[string]string{}}
}

// add records key as the key of the file at path. If an earlier file of
// the run has that key, it records nothing and returns true with that
// file's path, or with "" when only a digest of its key was kept.
func (s *keySet) add(key, path string) (string, bool) {
	switch {
	case s.digests != nil:
		h := fnv.New128a()
		h.Write([]byte(key))
		var d [16]byte
		h.Sum(d[:0])
		if s.digests.has(d) {
			return "", true
		}
		s.digests.add(d)
		return "", false
	case s.first != nil:
		if p, dup := s.first[key]; dup {
			return p, true
		}
		s.first[key] = path
	}
	return "", false
}

// digestsInMemory is the most key digests a keySet holds in memory (about
// 3 MiB); the others go to a temporary file.
const digestsInMemory = 1 << 16

// kept is the number of keys held, whole or as digests.
func (s *keySet) kept() int {
	n := len(s.first)
	if s.digests != nil {
		n += s.digests.len()
	}
	return n
}

// close removes the temporary file of the digests, if any.
func (s *keySet) close() {
	if s.digests != nil {
		s.digests.close()
	}
}
