package gateway

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

func chunked(data []byte, size int, trailer string) []byte {
	var b bytes.Buffer
	for len(data) > 0 {
		n := min(size, len(data))
		fmt.Fprintf(&b, "%x;chunk-signature=%064d\r\n", n, 0)
		b.Write(data[:n])
		b.WriteString("\r\n")
		data = data[n:]
	}
	fmt.Fprintf(&b, "0;chunk-signature=%064d\r\n", 0)
	b.WriteString(trailer)
	b.WriteString("\r\n")
	return b.Bytes()
}

func TestAWSChunkedReader(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80,000 bytes
	for _, tc := range []struct {
		name    string
		body    []byte
		want    []byte
		wantErr bool
	}{
		{"chunks", chunked(data, 65536, ""), data, false},
		{"small chunks and a trailer", chunked(data, 1000, "x-amz-checksum-crc32:AAAAAA==\r\n"), data, false},
		{"empty", chunked(nil, 10, ""), nil, false},
		{"cut short", chunked(data, 65536, "")[:70000], nil, true},
		{"bad header", []byte("zz;chunk-signature=0\r\nabc\r\n"), nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := io.ReadAll(newAWSChunkedReader(bytes.NewReader(tc.body)))
			if tc.wantErr {
				if err == nil {
					t.Fatalf("no error for %s", tc.name)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("got %d bytes, err %v; want %d bytes", len(got), err, len(tc.want))
			}
		})
	}
	if got := withoutAWSChunked([]string{"aws-chunked, gzip"}); strings.Join(got, ",") != "gzip" {
		t.Fatalf("content-encoding %v", got)
	}
}
