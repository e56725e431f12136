package main

// keySet finds the files of one run that share a key: only the first is
// uploaded, the others fail with the first one's path in their error.
//
// With a single argument other than "-" (one directory, or one file) no
// two files can share a key: the keys are the prefix plus distinct paths
// below one directory. Then it keeps nothing, so that a walk of a million
// files holds no million keys and paths (about 150 bytes a file, which
// made the peak RSS grow with the number of files). With several
// arguments, or paths read from standard input, it keeps every key with
// the path of its first file.
type keySet struct {
	first map[string]string // nil: keys cannot repeat
}

// newKeySet returns the key set for a run over args.
func newKeySet(args []string) *keySet {
	if len(args) == 1 && args[0] != "-" {
		return &keySet{}
	}
	return &keySet{first: map[string]string{}}
}

// add records key as the key of the file at path. If an earlier file of
// the run has that key, it records nothing and returns that file's path
// and true.
func (s *keySet) add(key, path string) (string, bool) {
	if s.first == nil {
		return "", false
	}
	if p, dup := s.first[key]; dup {
		return p, true
	}
	s.first[key] = path
	return "", false
}

// kept is the number of keys held.
func (s *keySet) kept() int { return len(s.first) }
