package backendtest

import (
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// PathHarness is implemented by harnesses of backends that store each key
// at a file path (a local destination directory): there a key that is a
// prefix of another ("p" and "p/q") cannot both be stored, and PrefixKeys
// checks instead that the second one fails, with Kind Invalid, and leaves
// the first as it was.
type PathHarness interface {
	KeysArePaths() bool
}

// testPathPrefixKeys is PrefixKeys for a backend whose keys are paths.
func testPathPrefixKeys(t *testing.T, s *suite) {
	for _, pair := range [][2]string{{"p", "p/q"}, {"x/y", "x"}, {"d/e", "d/e/"}} {
		first := Data(int64(10+len(pair[0])), seed())
		s.upload(t, pair[0], first)
		_, err := s.u.Upload(s.ctx, uploader.BytesObject(pair[1], Data(7, seed())))
		if uploader.KindOf(err) != uploader.Invalid {
			t.Errorf("Upload(%q) after %q = %v, want Kind Invalid (a path cannot be a file and a directory)", pair[1], pair[0], err)
		}
		s.expect(t, pair[0], first)
	}
}
