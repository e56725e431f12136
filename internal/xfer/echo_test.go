package xfer

import (
	"bytes"
	"crypto/md5"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestSendVerified: a part goes without an MD5 while replies echo the
// server's checksum; the first reply without one makes the part go again
// with its MD5, and every later part at once; an error is returned as is,
// never retried with an MD5.
func TestSendVerified(t *testing.T) {
	body := bytes.NewReader([]byte("0123456789"))
	var md5Only atomic.Bool
	var sent []string
	echo := true
	send := func(p Part) (string, bool, error) {
		if p.MD5 != nil {
			if want := md5.Sum([]byte("0123456789")[p.Offset : p.Offset+p.Size]); !bytes.Equal(p.MD5, want[:]) {
				t.Errorf("part %d: MD5 %x, want %x", p.Number, p.MD5, want)
			}
			sent = append(sent, "md5")
		} else {
			sent = append(sent, "crc")
		}
		if p.Number == 9 {
			return "", false, errors.New("refused")
		}
		return "etag", echo, nil
	}
	if _, err := SendVerified(body, "k", Part{Number: 1, Offset: 0, Size: 5}, &md5Only, send); err != nil {
		t.Fatal(err)
	}
	echo = false
	for n := 2; n <= 3; n++ {
		if etag, err := SendVerified(body, "k", Part{Number: n, Offset: 5, Size: 5}, &md5Only, send); err != nil || etag != "etag" {
			t.Fatalf("part %d: %q, %v", n, etag, err)
		}
	}
	if want := []string{"crc", "crc", "md5", "md5"}; !slices.Equal(sent, want) {
		t.Errorf("sent %v, want %v", sent, want)
	}
	var fresh atomic.Bool
	sent = nil
	if _, err := SendVerified(body, "k", Part{Number: 9, Size: 1}, &fresh, send); err == nil || !slices.Equal(sent, []string{"crc"}) || fresh.Load() {
		t.Errorf("a refused part: err %v, sent %v, md5Only %v; want the error, one send, no switch", err, sent, fresh.Load())
	}
	short := bytes.NewReader(nil)
	if _, err := SendVerified(short, "k", Part{Number: 4, Size: 3}, &md5Only, send); uploader.KindOf(err) != uploader.Invalid || uploader.AsError(err).Key != "k" {
		t.Errorf("a part that cannot be read: %v, want Kind Invalid naming the key", err)
	}
}
