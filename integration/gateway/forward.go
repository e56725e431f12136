package gateway

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/signer"
)

// maxControlBody bounds the request and response bodies the gateway parses
// (multipart complete lists, initiate and list-parts results, errors); object
// data is always streamed.
const maxControlBody = 16 << 20

// vendorPrefix is the dialect's header prefix ("x-tos-"...).
func vendorPrefix(d Dialect) string {
	switch d {
	case TOS:
		return "x-tos-"
	case OSS:
		return "x-oss-"
	case COS:
		return "x-cos-"
	}
	return "x-amz-"
}

// crcHeader is the response header carrying the CRC-64 of uploaded data
// ("" for OBS, which has none).
func crcHeader(d Dialect) string {
	switch d {
	case TOS:
		return "X-Tos-Hash-Crc64ecma"
	case OSS:
		return "X-Oss-Hash-Crc64ecma"
	case COS:
		return "X-Cos-Hash-Crc64ecma"
	}
	return ""
}

// passRequestHeaders go upstream unchanged.
var passRequestHeaders = []string{
	"Content-Type", "Content-Md5", "Content-Encoding", "Content-Disposition", "Content-Language",
	"Cache-Control", "Expires", "Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
}

// amzAuthHeaders are the client's signing headers, replaced by the
// gateway's own signature.
var amzAuthHeaders = map[string]bool{
	"x-amz-date": true, "x-amz-content-sha256": true, "x-amz-security-token": true,
	"x-amz-decoded-content-length": true, "x-amz-trailer": true,
}

// passResponseHeaders come back unchanged.
var passResponseHeaders = []string{
	"Content-Type", "Content-Length", "Content-Range", "Content-Encoding", "Content-Disposition",
	"Content-Language", "Cache-Control", "Expires", "Etag", "Last-Modified", "Accept-Ranges", "Location",
}

// upstreamHeaders translates the client's headers for MinIO: standard
// headers pass, vendor metadata (x-tos-meta-*, x-oss-meta-*, x-cos-meta-*,
// x-obs-meta-*) becomes x-amz-meta-*, every other vendor header is dropped
// (OBS's x-amz-* headers pass, except the signing ones).
func (g *Gateway) upstreamHeaders(r *http.Request) http.Header {
	d := g.opts.Dialect
	h := http.Header{}
	for _, k := range passRequestHeaders {
		if v := r.Header.Values(k); len(v) > 0 {
			h[k] = append([]string(nil), v...)
		}
	}
	prefixes := []string{vendorPrefix(d)}
	if d == OBS {
		prefixes = append(prefixes, "x-obs-")
	}
	for k, vv := range r.Header {
		lk := strings.ToLower(k)
		meta := false
		for _, p := range prefixes {
			if rest, ok := strings.CutPrefix(lk, p+"meta-"); ok {
				h[http.CanonicalHeaderKey("x-amz-meta-"+rest)] = append([]string(nil), vv...)
				meta = true
			}
		}
		if !meta && d == OBS && strings.HasPrefix(lk, "x-amz-") && !amzAuthHeaders[lk] {
			h[k] = append([]string(nil), vv...)
		}
	}
	return h
}

// copyResponseHeaders translates MinIO's reply headers for the client.
func (g *Gateway) copyResponseHeaders(dst, src http.Header) {
	d := g.opts.Dialect
	if d == OBS {
		for k, vv := range src {
			switch k {
			case "Connection", "Keep-Alive", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Proxy-Authenticate":
				continue
			}
			dst[k] = append([]string(nil), vv...)
		}
		return
	}
	for _, k := range passResponseHeaders {
		if v := src.Values(k); len(v) > 0 {
			dst[k] = append([]string(nil), v...)
		}
	}
	p := vendorPrefix(d)
	for k, vv := range src {
		lk := strings.ToLower(k)
		if rest, ok := strings.CutPrefix(lk, "x-amz-meta-"); ok {
			dst[http.CanonicalHeaderKey(p+"meta-"+rest)] = append([]string(nil), vv...)
		}
		if lk == "x-amz-version-id" {
			dst[http.CanonicalHeaderKey(p+"version-id")] = append([]string(nil), vv...)
		}
	}
}

// unsupported refuses what the gateway does not translate, rather than let
// an SDK misparse MinIO's answer: TOS's JSON APIs other than multipart and
// ListObjectsType2 (list-type=2) (the V1 listing, batch delete, bucket
// subresources) and copies outside OBS.
func (g *Gateway) unsupported(x *exchange) *apiError {
	d := g.opts.Dialect
	op := x.ri.op
	if d == TOS {
		switch {
		case op == OpList && x.r.URL.Query().Get("list-type") != "2", op == OpDeleteMulti, op == OpService,
			op == OpBucket && x.r.Method == http.MethodGet,
			op == OpComplete && x.r.Header.Get("X-Tos-Complete-All") != "":
			return newAPIError(http.StatusNotImplemented, "NotImplemented",
				fmt.Sprintf("the test gateway does not translate the TOS JSON API of %s %s", x.r.Method, op))
		}
	}
	if op == OpCopy && d != OBS {
		return newAPIError(http.StatusNotImplemented, "NotImplemented", "the test gateway does not translate copies")
	}
	return nil
}

// forward sends the request to the upstream, re-signed with AWS V4 (or
// anonymous), and translates the reply. With truncate it cuts the reply
// short after the upstream has done the work.
func (g *Gateway) forward(w http.ResponseWriter, x *exchange, truncate bool) {
	r := x.r
	d := g.opts.Dialect
	op := x.ri.op

	var in io.Reader = r.Body
	length := r.ContentLength
	headers := g.upstreamHeaders(r)
	g.stashAttributes(r.Header, headers)
	// A streaming-signed body (aws-chunked, from minio-go, mc or the AWS
	// SDKs over http) is decoded: MinIO gets the object's bytes, re-signed
	// as UNSIGNED-PAYLOAD, never the chunk framing.
	if n, streaming, err := streamingPayload(r); streaming {
		if err != nil {
			e := &apiError{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: err.Error()}
			x.commit(OutcomeRejected, e.Status, e.Code)
			g.writeError(w, x, e)
			return
		}
		in, length = newAWSChunkedReader(r.Body), n
		if ce := withoutAWSChunked(headers.Values("Content-Encoding")); len(ce) > 0 {
			headers["Content-Encoding"] = ce
		} else {
			headers.Del("Content-Encoding")
		}
	}
	var body io.Reader = in
	if length == 0 {
		body = http.NoBody
	}
	var crc *crcReader
	var completeParts []int
	switch {
	case op == OpPut || op == OpUploadPart:
		crc = newCRCReader(in)
		if length != 0 {
			body = crc
		}
	case op == OpComplete:
		raw, parts, err := g.completeBody(r)
		if err != nil {
			x.commit(OutcomeRejected, err.Status, err.Code)
			g.writeError(w, x, err)
			return
		}
		completeParts = parts
		raw = g.maskCompleteRequest(raw)
		body, length = bytes.NewReader(raw), int64(len(raw))
		if d == TOS {
			headers.Del("Content-Md5") // the body changed from JSON to XML
		}
	}

	target := g.upstream.Scheme + "://" + g.upstream.Host + x.ri.upstreamPath
	if rq := r.URL.RawQuery; rq != "" {
		target += "?" + rq
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target, body)
	if err != nil {
		g.upstreamFailed(w, x, err)
		return
	}
	out.ContentLength = length
	out.Header = headers
	if up := g.opts.Upstream; up.AccessKey != "" && up.SecretKey != "" && !x.anonymous {
		out.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		out = signer.SignV4(*out, up.AccessKey, up.SecretKey, "", up.Region)
	}
	resp, err := g.transport.RoundTrip(out)
	if err != nil {
		if r.Context().Err() != nil {
			return // the client left; the deferred commit records it
		}
		g.upstreamFailed(w, x, err)
		return
	}
	defer resp.Body.Close()

	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if ok && op == OpUploadPart && crc != nil && x.ri.partNumber > 0 {
		if sum, n := crc.sum(); n == length {
			g.parts.put(x.ri.uploadID, x.ri.partNumber, partCRC{crc: sum, size: n})
		}
	}
	if ok && (op == OpAbort || op == OpComplete) {
		defer g.parts.forget(x.ri.uploadID)
	}

	// Errors: every dialect but OBS (which speaks S3 already) re-renders
	// MinIO's XML error, keeping status and code.
	if resp.StatusCode >= 300 && d != OBS && resp.StatusCode != http.StatusNotModified && resp.StatusCode != http.StatusPartialContent {
		e := parseUpstreamError(resp)
		e.RetryAfter = retryAfter(resp.Header)
		x.commit(OutcomeForwarded, e.Status, e.Code)
		if truncate {
			body, _ := g.renderError(x, e)
			g.writeTruncated(w, x, e.Status, body)
			return
		}
		g.writeError(w, x, e)
		return
	}

	h := w.Header()
	g.copyResponseHeaders(h, resp.Header)
	g.restoreAttributes(h, resp.Header, x)
	g.setCommonHeaders(h, x)
	if ok {
		g.encryptReply(h, x)
	}
	if ch := crcHeader(d); ch != "" && ok {
		var sum uint64
		var n int64
		if crc != nil {
			sum, n = crc.sum()
		}
		switch {
		case crc != nil && n == length:
			h.Set(ch, strconv.FormatUint(sum, 10))
		case op == OpComplete:
			if v, known := g.parts.combined(x.ri.uploadID, completeParts); known {
				h.Set(ch, strconv.FormatUint(v, 10))
			}
		}
	}

	if d == TOS && ok && (op == OpInitiate || op == OpComplete || op == OpListParts || op == OpListUploads || op == OpList) {
		js, e := tosJSON(op, resp.Body)
		if e != nil {
			x.commit(OutcomeForwarded, e.Status, e.Code)
			g.writeError(w, x, e)
			return
		}
		if op == OpComplete || op == OpList {
			js = g.maskCompleteResult(js)
		}
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(js)))
		x.commit(OutcomeForwarded, resp.StatusCode, "")
		if truncate {
			g.writeTruncated(w, x, resp.StatusCode, js)
			return
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(js)
		return
	}

	if ok && (op == OpComplete || op == OpList) && g.kms.Load() {
		// A complete result or a listing page is small (bounded like
		// every control body); its ETags are disguised in place, keeping
		// the length.
		res, err := io.ReadAll(io.LimitReader(resp.Body, maxControlBody))
		if err != nil {
			g.upstreamFailed(w, x, err)
			return
		}
		resp.Body = io.NopCloser(bytes.NewReader(g.maskCompleteResult(res)))
	}
	x.commit(OutcomeForwarded, resp.StatusCode, "")
	if truncate {
		var part []byte
		if resp.ContentLength > 1 {
			part = make([]byte, resp.ContentLength/2)
			n, _ := io.ReadFull(resp.Body, part)
			part = part[:n]
		}
		g.writeTruncatedStream(w, x, resp, part)
		return
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, resp.Body)
	}
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// upstreamFailed answers a failure to reach MinIO: 502 with code
// "GatewayUpstreamError", which no vendor sends, so a test sees the harness
// broke rather than a vendor fault.
func (g *Gateway) upstreamFailed(w http.ResponseWriter, x *exchange, err error) {
	e := newAPIError(http.StatusBadGateway, "GatewayUpstreamError", "the test gateway could not reach MinIO: "+err.Error())
	x.commit(OutcomeRejected, e.Status, e.Code)
	g.writeError(w, x, e)
}

// writeTruncated sends status with headers promising body, then half of it,
// and closes the connection.
func (g *Gateway) writeTruncated(w http.ResponseWriter, x *exchange, status int, body []byte) {
	h := w.Header()
	g.setCommonHeaders(h, x)
	if len(body) < 2 {
		g.cutStatusLine(w, status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	w.WriteHeader(status)
	_, _ = w.Write(body[:len(body)/2])
	// Returning with fewer bytes than Content-Length makes net/http close
	// the connection: the client reads an unexpected EOF.
}

// writeTruncatedStream sends the upstream reply's status and headers, then
// part (half the body), and closes the connection; a bodiless reply gets
// half a status line.
func (g *Gateway) writeTruncatedStream(w http.ResponseWriter, x *exchange, resp *http.Response, part []byte) {
	if len(part) == 0 || x.r.Method == http.MethodHead {
		g.cutStatusLine(w, resp.StatusCode)
		return
	}
	w.Header().Set("Connection", "close")
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(part)
}

// cutStatusLine hijacks the connection, writes the status line and the
// start of a header, and closes it: the client reads an unexpected EOF.
func (g *Gateway) cutStatusLine(w http.ResponseWriter, status int) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return
	}
	line := fmt.Sprintf("HTTP/1.1 %d %s\r\nDate: ", status, http.StatusText(status))
	_, _ = buf.WriteString(line)
	_ = buf.Flush()
	_ = conn.Close()
}

// completeBody reads a multipart complete request (bounded), returns the
// XML body to send upstream (TOS's JSON translated) and the part numbers in
// order.
func (g *Gateway) completeBody(r *http.Request) ([]byte, []int, *apiError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxControlBody+1))
	if err != nil {
		return nil, nil, newAPIError(http.StatusBadRequest, "IncompleteBody", err.Error())
	}
	if len(raw) > maxControlBody {
		return nil, nil, newAPIError(http.StatusBadRequest, "EntityTooLarge", "complete body over 16 MiB")
	}
	if g.opts.Dialect == TOS {
		return tosCompleteToXML(raw)
	}
	var c completeXML
	if err := xml.Unmarshal(raw, &c); err != nil {
		return raw, nil, nil // let MinIO answer MalformedXML
	}
	parts := make([]int, len(c.Parts))
	for i, p := range c.Parts {
		parts[i] = p.PartNumber
	}
	return raw, parts, nil
}

type completeXML struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}
