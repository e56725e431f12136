package gateway

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// streamingPayload reports whether r's body is in the aws-chunked framing
// that AWS SDKs, minio-go and mc use for signed streaming uploads over plain
// http (x-amz-content-sha256: STREAMING-...), and the length of the object
// it carries.
func streamingPayload(r *http.Request) (decoded int64, ok bool, err error) {
	if !strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
	if perr != nil || n < 0 {
		return 0, true, errors.New("aws-chunked body without a valid x-amz-decoded-content-length")
	}
	return n, true, nil
}

// withoutAWSChunked removes "aws-chunked" from a Content-Encoding list.
func withoutAWSChunked(values []string) []string {
	var out []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
				out = append(out, e)
			}
		}
	}
	return out
}

// maxChunkLine bounds a chunk header or trailer line.
const maxChunkLine = 4096

// awsChunkedReader decodes an aws-chunked body: "<hex size>[;chunk-
// signature=...]\r\n<data>\r\n" chunks, a zero-size chunk, then optional
// trailer lines and a blank line. The chunk signatures are not checked: the
// gateway checked the request's seed signature and forwards the payload
// re-signed as UNSIGNED-PAYLOAD. It streams: nothing is buffered beyond
// one bufio.Reader.
type awsChunkedReader struct {
	r    *bufio.Reader
	left int64 // bytes left in the current chunk
	done bool
	err  error
}

func newAWSChunkedReader(r io.Reader) *awsChunkedReader {
	return &awsChunkedReader{r: bufio.NewReaderSize(r, 64<<10)}
}

func (c *awsChunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	for c.left == 0 {
		if c.done {
			return 0, io.EOF
		}
		if err := c.nextChunk(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left == 0 && err == nil {
		err = c.crlf()
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		c.err = err
	}
	return n, err
}

// nextChunk reads a chunk header; after the last chunk it reads the
// trailers.
func (c *awsChunkedReader) nextChunk() error {
	line, err := c.line()
	if err != nil {
		return err
	}
	size := line
	if i := strings.IndexByte(size, ';'); i >= 0 {
		size = size[:i]
	}
	n, err := strconv.ParseInt(strings.TrimSpace(size), 16, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("aws-chunked: bad chunk header %q", line)
	}
	if n > 0 {
		c.left = n
		return nil
	}
	c.done = true
	for { // trailers, up to the blank line or the end
		t, err := c.line()
		if errors.Is(err, io.ErrUnexpectedEOF) || t == "" {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// line reads one CRLF-terminated line, without its terminator.
func (c *awsChunkedReader) line() (string, error) {
	var b strings.Builder
	for {
		frag, err := c.r.ReadSlice('\n')
		b.Write(frag)
		if b.Len() > maxChunkLine {
			return "", errors.New("aws-chunked: line too long")
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return strings.TrimRight(b.String(), "\r\n"), io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(b.String(), "\r\n"), nil
	}
}

func (c *awsChunkedReader) crlf() error {
	var two [2]byte
	if _, err := io.ReadFull(c.r, two[:]); err != nil {
		return io.ErrUnexpectedEOF
	}
	if two != [2]byte{'\r', '\n'} {
		return errors.New("aws-chunked: chunk not followed by CRLF")
	}
	return nil
}
