package xfer

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// TestCompositeCRC32C checks the composite checksum of parts against one
// built by hand from hash/crc32: the CRC-32C of the parts' big-endian
// CRC-32Cs, base64, "-", the count; and CRC32C of a range of a body.
func TestCompositeCRC32C(t *testing.T) {
	tab := crc32.MakeTable(crc32.Castagnoli)
	datas := [][]byte{bytes.Repeat([]byte("a"), 7), []byte("hello world"), {0, 1, 2, 3, 255}}
	body := bytes.Join(datas, nil)
	var parts []Part
	var cat []byte
	off := int64(0)
	for i, d := range datas {
		c := crc32.Checksum(d, tab)
		cat = binary.BigEndian.AppendUint32(cat, c)
		got, err := CRC32C(bytes.NewReader(body), off, int64(len(d)))
		if err != nil || got != c {
			t.Fatalf("part %d: CRC32C %08x, %v; want %08x", i+1, got, err, c)
		}
		parts = append(parts, Part{Number: i + 1, Offset: off, Size: int64(len(d)), CRC32C: c, HasCRC32C: true})
		off += int64(len(d))
	}
	sum := crc32.Checksum(cat, tab)
	want := base64.StdEncoding.EncodeToString([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)}) + "-3"
	got, ok := CompositeCRC32C(parts)
	if !ok || got != want {
		t.Fatalf("composite %q, %v; want %q", got, ok, want)
	}
	// One part: its header value is the base64 of its big-endian CRC.
	c0 := crc32.Checksum(datas[0], tab)
	if h := CRC32CBase64(c0); h != base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, c0)) {
		t.Errorf("header value %q", h)
	}

	if m, ok := CheckCompositeCRC32C(want, parts); m != "" || !ok {
		t.Errorf("match: %q, %v", m, ok)
	}
	// S3 may answer without the count.
	if m, ok := CheckCompositeCRC32C(strings.TrimSuffix(want, "-3"), parts); m != "" || !ok {
		t.Errorf("match without count: %q, %v", m, ok)
	}
	if m, ok := CheckCompositeCRC32C("AAAAAA==-3", parts); m == "" || !ok {
		t.Errorf("wrong value: %q, %v", m, ok)
	}
	if m, ok := CheckCompositeCRC32C(strings.TrimSuffix(want, "3")+"2", parts); !strings.Contains(m, "2 parts") || !ok {
		t.Errorf("wrong count: %q, %v", m, ok)
	}
	if m, ok := CheckCompositeCRC32C("", parts); m != "" || ok {
		t.Errorf("no value: %q, %v", m, ok)
	}
	parts[1].HasCRC32C = false
	if _, ok := CompositeCRC32C(parts); ok {
		t.Error("a part without its CRC gave a composite")
	}
	if m, ok := CheckCompositeCRC32C(want, parts); m != "" || ok {
		t.Errorf("a part without its CRC: %q, %v", m, ok)
	}
}
