package xfer

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
)

// castagnoli is the CRC-32C table; hash/crc32 uses the CPU's CRC32
// instruction for it (SSE 4.2 on amd64, arm64's CRC extension), which costs
// a fraction of an MD5.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC32C returns the CRC-32C (Castagnoli) of the n bytes of r from off.
func CRC32C(r io.ReaderAt, off, n int64) (uint32, error) {
	h := crc32.New(castagnoli)
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	got, err := io.CopyBuffer(h, io.NewSectionReader(r, off, n), *bp)
	if err != nil {
		return 0, err
	}
	if got != n {
		return 0, io.ErrUnexpectedEOF
	}
	return h.Sum32(), nil
}

// CRC32CBase64 returns the x-amz-checksum-crc32c header value of crc: the
// base64 of its 4 big-endian bytes.
func CRC32CBase64(crc uint32) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc))
}

// CompositeCRC32C returns the checksum S3 (and MinIO) gives an object
// assembled from parts uploaded with CRC-32C checksums (type COMPOSITE):
// the base64 of the CRC-32C of the parts' big-endian CRC-32Cs in order,
// "-", and the part count. It reports false when a part's CRC-32C is
// unknown (Part.HasCRC32C).
func CompositeCRC32C(parts []Part) (string, bool) {
	if len(parts) == 0 {
		return "", false
	}
	cat := make([]byte, 0, 4*len(parts))
	for _, p := range parts {
		if !p.HasCRC32C {
			return "", false
		}
		cat = binary.BigEndian.AppendUint32(cat, p.CRC32C)
	}
	return CRC32CBase64(crc32.Checksum(cat, castagnoli)) + "-" + strconv.Itoa(len(parts)), true
}

// CheckCompositeCRC32C compares got, the x-amz-checksum-crc32c of an
// assembled object (with or without its "-<n>"), with the [CompositeCRC32C]
// of parts. It returns "" when they match, else why not; verified is false
// when nothing could be compared: got is empty or a part's CRC-32C is
// unknown.
func CheckCompositeCRC32C(got string, parts []Part) (mismatch string, verified bool) {
	got = strings.TrimSpace(got)
	want, ok := CompositeCRC32C(parts)
	if got == "" || !ok {
		return "", false
	}
	sum, n, hasN := strings.Cut(got, "-")
	wantSum, _, _ := strings.Cut(want, "-")
	switch {
	case hasN && n != strconv.Itoa(len(parts)):
		return fmt.Sprintf("the assembled object's CRC-32C %s names %s parts, %d were sent", got, n, len(parts)), true
	case sum != wantSum:
		return fmt.Sprintf("the assembled object's CRC-32C %s is not %s, the one of the %d parts sent in order", got, want, len(parts)), true
	}
	return "", true
}
