package failover_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/failover/internal/memtest"
	"github.com/resilient-upload/upload/uploader"
)

// TestLandedComparesContent: after an ambiguous failure, the object found
// under the key counts as this upload only when its content proves it: the
// multipart ETag (MD5 of the parts' MD5s, "-N", with the backend's part
// size), the CRC-64 the server reports, or the plain MD5 ETag. An object of
// the same size, written moments ago (so no time window tells it apart),
// whose content differs or cannot be proved, is not taken for the upload:
// the upload is retried and stores its own bytes.
func TestLandedComparesContent(t *testing.T) {
	const partSize = 8 // payload("k") is 18 bytes: 3 parts
	older := func(key string) []byte { return bytes.Repeat([]byte("x"), len(payload(key))) }
	cases := []struct {
		name string
		sums memtest.Checksums
		// land: the cut attempt stored the object; else an older object
		// of the same size is there.
		land       bool
		wantLanded bool
	}{
		{"multipart-etag-older", memtest.Checksums{PartSize: partSize}, false, false},
		{"multipart-etag-landed", memtest.Checksums{PartSize: partSize}, true, true},
		{"crc64-older", memtest.Checksums{Opaque: true, CRC64: true}, false, false},
		{"crc64-landed", memtest.Checksums{Opaque: true, CRC64: true}, true, true},
		{"md5-older", memtest.Checksums{}, false, false},
		{"md5-landed", memtest.Checksums{}, true, true},
		// Nothing proves the content: never counted as landed.
		{"unprovable-older", memtest.Checksums{Opaque: true}, false, false},
		{"unprovable-landed", memtest.Checksums{Opaque: true}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envConfig{})
			primary := e.clouds[0]
			primary.SetChecksums(tc.sums)
			if !tc.land {
				primary.Store("k", older("k"), e.clk.Now(), nil)
			}
			// The reply is cut: no status, the object stored or not.
			primary.Script(memtest.Fault{Kind: uploader.Unavailable, Land: tc.land})
			res, err := e.upload("k")
			if err != nil || res.Target != "primary" {
				t.Fatalf("%v on %q", err, res.Target)
			}
			stored(t, primary, "k", payload("k"))
			landed := len(e.eventsOf(failover.EventLanded))
			if tc.wantLanded {
				if landed != 1 || primary.Puts() != 1 {
					t.Errorf("landed events %d, puts %d: want the cut attempt counted as stored", landed, primary.Puts())
				}
				if got := kinds(res.Attempts); !slices.Equal(got, []uploader.Kind{uploader.Unavailable, uploader.OK}) {
					t.Errorf("attempts %v", got)
				}
				if res.MD5 != md5hex(payload("k")) {
					t.Errorf("result MD5 %q, want that of the body", res.MD5)
				}
			} else if landed != 0 || primary.Puts() != 2 {
				t.Errorf("landed events %d, puts %d: want a real retry", landed, primary.Puts())
			}
		})
	}
}

// TestLandedPartCountDiffers: a multipart ETag with another part count
// than the backend's part size gives is not this upload, even when the
// bytes are the same.
func TestLandedPartCountDiffers(t *testing.T) {
	e := newEnv(t, envConfig{})
	primary := e.clouds[0]
	primary.SetChecksums(memtest.Checksums{PartSize: 13}) // 2 parts
	primary.Store("k", payload("k"), e.clk.Now().Add(time.Second), nil)
	primary.SetChecksums(memtest.Checksums{PartSize: 8}) // the upload's: 3 parts
	primary.Script(memtest.Fault{Kind: uploader.Timeout})
	if _, err := e.upload("k"); err != nil {
		t.Fatal(err)
	}
	if primary.Puts() != 2 || len(e.eventsOf(failover.EventLanded)) != 0 {
		t.Errorf("puts %d, landed events %d: want a retry", primary.Puts(), len(e.eventsOf(failover.EventLanded)))
	}
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}
