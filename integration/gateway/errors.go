package gateway

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/resilient-upload/upload/internal/errclass"
)

// apiError is an error reply before it is rendered in a vendor's dialect.
type apiError struct {
	Status  int
	Code    string
	Message string
	// EC is the TOS/OSS detailed error code ("0002-00000024"); empty when
	// the vendor's value is not known.
	EC       string
	Resource string
	// RequestTime and ServerTime go into RequestTimeTooSkewed bodies of the
	// XML dialects.
	RequestTime, ServerTime string
	MaxSkew                 time.Duration
	RetryAfter              time.Duration
	// HostID overrides the default (the request's Host).
	HostID string
	// Signature details (OSS SignatureDoesNotMatch).
	AccessKeyID, SignatureProvided, StringToSign, CanonicalRequest string
}

// Canonical messages, as the vendors word them (S3 wording where the vendor
// copies S3).
var defaultMessages = map[string]string{
	"SignatureDoesNotMatch": "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
	"InvalidAccessKeyId":    "The Access Key Id you provided does not exist in our records.",
	"RequestTimeTooSkewed":  "The difference between the request time and the current time is too large.",
	"AccessDenied":          "Access Denied.",
	"NoSuchBucket":          "The specified bucket does not exist.",
	"NoSuchKey":             "The specified key does not exist.",
	"InternalError":         "We encountered an internal error. Please try again.",
	"SlowDown":              "Please reduce your request rate.",
	"TooManyRequests":       "Too many requests, please reduce your request rate.",
	"ServiceUnavailable":    "Service is unavailable, please try again later.",
	"NotImplemented":        "A header or query you provided implies functionality that is not implemented.",
	"PublicEndpointForbidden": "Data API access through the default public endpoint is forbidden for this account. " +
		"Use a custom domain, an internal endpoint or an accelerate endpoint.",
}

// knownEC are the detailed codes documented by the vendors (TOS: volcengine
// docs 6349, error pages 0002-00000018 and 0002-00000024; OSS: the
// SignatureDoesNotMatch sample of the OSS troubleshooting guide and error page 0002-00000504).
// Codes whose EC is not documented get none.
var knownEC = map[Dialect]map[string]string{
	TOS: {"SignatureDoesNotMatch": "0002-00000024", "RequestTimeTooSkewed": "0002-00000018"},
	OSS: {"SignatureDoesNotMatch": "0002-00000040", "RequestTimeTooSkewed": "0002-00000504",
		"PublicEndpointForbidden": "0048-00000401"},
}

func newAPIError(status int, code, message string) *apiError {
	if message == "" {
		message = defaultMessages[code]
	}
	return &apiError{Status: status, Code: code, Message: message}
}

// requestIDHeader is the header each vendor's SDK reads its request ID
// from. OBS gets only x-amz-request-id (the SDK strips both x-obs- and
// x-amz- prefixes, so sending both makes the winner random).
func requestIDHeader(d Dialect) string {
	switch d {
	case TOS:
		return "X-Tos-Request-Id"
	case OSS:
		return "X-Oss-Request-Id"
	case COS:
		return "X-Cos-Request-Id"
	}
	return "X-Amz-Request-Id"
}

// setCommonHeaders sets the Date (from the gateway's skewed clock) and the
// vendor's request-id header, replacing whatever is there.
func (g *Gateway) setCommonHeaders(h http.Header, x *exchange) {
	h.Set("Date", g.Now().UTC().Format(http.TimeFormat))
	h.Del("X-Amz-Request-Id")
	h.Del("X-Amz-Id-2")
	h.Set(requestIDHeader(g.opts.Dialect), x.id)
	h.Set("Server", serverName[g.opts.Dialect])
}

var serverName = map[Dialect]string{TOS: "TosServer", OSS: "AliyunOSS", OBS: "OBS", COS: "tencent-cos"}

// writeError renders e in the gateway's dialect. HEAD replies have no body;
// OSS then carries the error in x-oss-err (base64 XML), as OSS does.
func (g *Gateway) writeError(w http.ResponseWriter, x *exchange, e *apiError) {
	d := g.opts.Dialect
	if e.EC == "" && !(x.auth.scheme == "OSS4" && e.Code == "SignatureDoesNotMatch") {
		// The documented OSS mismatch EC is the V1 one.
		e.EC = knownEC[d][e.Code]
	}
	if e.Message == "" {
		e.Message = defaultMessages[e.Code]
	}
	h := w.Header()
	g.setCommonHeaders(h, x)
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((e.RetryAfter+time.Second-1)/time.Second)))
	}
	if e.EC != "" {
		switch d {
		case TOS:
			h.Set("X-Tos-Ec", e.EC)
		case OSS:
			h.Set("X-Oss-Ec", e.EC)
		}
	}
	body, ctype := g.renderError(x, e)
	if x.r.Method == http.MethodHead {
		if d == OSS {
			h.Set("X-Oss-Err", base64.StdEncoding.EncodeToString(body))
		}
		w.WriteHeader(e.Status)
		return
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(body)
}

// renderError returns the body of e in the gateway's dialect.
func (g *Gateway) renderError(x *exchange, e *apiError) ([]byte, string) {
	hostID := e.HostID
	if hostID == "" {
		hostID = x.r.Host
	}
	resource := e.Resource
	if resource == "" {
		resource = x.r.URL.Path
	}
	switch g.opts.Dialect {
	case TOS:
		b, _ := json.Marshal(tosError{Code: e.Code, Message: e.Message, RequestID: x.id, HostID: hostID, EC: e.EC, Key: x.ri.key})
		return b, "application/json"
	case OSS:
		v := ossError{Code: e.Code, Message: e.Message, RequestID: x.id, HostID: hostID,
			AccessKeyID: e.AccessKeyID, SignatureProvided: e.SignatureProvided,
			StringToSign: e.StringToSign, CanonicalRequest: e.CanonicalRequest,
			RequestTime: e.RequestTime, ServerTime: e.ServerTime, EC: e.EC}
		if e.StringToSign != "" {
			v.StringToSignBytes = hexBytes(e.StringToSign)
		}
		if e.MaxSkew > 0 {
			v.MaxSkew = strconv.FormatInt(e.MaxSkew.Milliseconds(), 10)
		}
		return xmlDoc(v), "application/xml"
	case COS:
		v := cosError{Code: e.Code, Message: e.Message, Resource: x.r.Host + resource, RequestID: x.id,
			TraceID: traceID(x.id), RequestTime: e.RequestTime, ServerTime: e.ServerTime}
		return xmlDoc(v), "application/xml"
	}
	v := s3Error{Code: e.Code, Message: e.Message, Resource: resource, RequestID: x.id, HostID: hostID,
		RequestTime: e.RequestTime, ServerTime: e.ServerTime, AWSAccessKeyID: e.AccessKeyID,
		StringToSign: e.StringToSign, CanonicalRequest: e.CanonicalRequest, SignatureProvided: e.SignatureProvided}
	if e.MaxSkew > 0 {
		v.MaxSkew = strconv.FormatInt(e.MaxSkew.Milliseconds(), 10)
	}
	return xmlDoc(v), "application/xml"
}

type tosError struct {
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	EC        string `json:"EC,omitempty"`
	Key       string `json:"Key,omitempty"`
}

type ossError struct {
	XMLName           xml.Name `xml:"Error"`
	Code              string   `xml:"Code"`
	Message           string   `xml:"Message"`
	RequestID         string   `xml:"RequestId"`
	HostID            string   `xml:"HostId"`
	AccessKeyID       string   `xml:"OSSAccessKeyId,omitempty"`
	SignatureProvided string   `xml:"SignatureProvided,omitempty"`
	StringToSign      string   `xml:"StringToSign,omitempty"`
	StringToSignBytes string   `xml:"StringToSignBytes,omitempty"`
	CanonicalRequest  string   `xml:"CanonicalRequest,omitempty"`
	RequestTime       string   `xml:"RequestTime,omitempty"`
	ServerTime        string   `xml:"ServerTime,omitempty"`
	MaxSkew           string   `xml:"MaxAllowedSkewMilliseconds,omitempty"`
	EC                string   `xml:"EC,omitempty"`
}

type cosError struct {
	XMLName     xml.Name `xml:"Error"`
	Code        string   `xml:"Code"`
	Message     string   `xml:"Message"`
	Resource    string   `xml:"Resource"`
	RequestID   string   `xml:"RequestId"`
	TraceID     string   `xml:"TraceId"`
	RequestTime string   `xml:"RequestTime,omitempty"`
	ServerTime  string   `xml:"ServerTime,omitempty"`
}

type s3Error struct {
	XMLName           xml.Name `xml:"Error"`
	Code              string   `xml:"Code"`
	Message           string   `xml:"Message"`
	Resource          string   `xml:"Resource,omitempty"`
	RequestID         string   `xml:"RequestId"`
	HostID            string   `xml:"HostId"`
	AWSAccessKeyID    string   `xml:"AWSAccessKeyId,omitempty"`
	SignatureProvided string   `xml:"SignatureProvided,omitempty"`
	StringToSign      string   `xml:"StringToSign,omitempty"`
	CanonicalRequest  string   `xml:"CanonicalRequest,omitempty"`
	RequestTime       string   `xml:"RequestTime,omitempty"`
	ServerTime        string   `xml:"ServerTime,omitempty"`
	MaxSkew           string   `xml:"MaxAllowedSkewMilliseconds,omitempty"`
}

func xmlDoc(v any) []byte {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	_ = xml.NewEncoder(&buf).Encode(v)
	return buf.Bytes()
}

// hexBytes renders s as OSS's StringToSignBytes: upper-case hex bytes, each
// followed by a space.
func hexBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%02X ", s[i])
	}
	return b.String()
}

func traceID(id string) string {
	return base64.StdEncoding.EncodeToString([]byte("gateway-trace-" + id))
}

// upstreamError is an S3 XML error as MinIO sends it.
type upstreamError struct {
	Code       string `xml:"Code"`
	Message    string `xml:"Message"`
	Key        string `xml:"Key"`
	BucketName string `xml:"BucketName"`
	Resource   string `xml:"Resource"`
}

// parseUpstreamError reads at most 64 KiB of an S3 XML error body. A body
// that is not XML becomes the message; the code then comes from the status
// (or MinIO's x-minio-error-code header on bodiless replies).
func parseUpstreamError(resp *http.Response) *apiError {
	e := &apiError{Status: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var ue upstreamError
	if len(bytes.TrimSpace(body)) > 0 && xml.Unmarshal(body, &ue) == nil && ue.Code != "" {
		e.Code, e.Message = ue.Code, ue.Message
		return e
	}
	e.Code = resp.Header.Get("X-Minio-Error-Code")
	e.Message = resp.Header.Get("X-Minio-Error-Desc")
	if e.Code == "" {
		e.Code = statusCode(resp.StatusCode)
	}
	if e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
	}
	return e
}

// statusCode names a status the way S3 would when nothing better is known.
func statusCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return "NoSuchKey"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusNotImplemented:
		return "NotImplemented"
	}
	if status >= 500 {
		return "InternalError"
	}
	return strings.ReplaceAll(http.StatusText(status), " ", "")
}

// codeStatus returns the status the vendors' error-code table gives code in
// the gateway's dialect, and message (or, for a code the table lacks, 500
// and a message that says so).
func (g *Gateway) codeStatus(code, message string) (int, string) {
	if c, ok := errclass.Lookup(string(g.opts.Dialect), code); ok {
		if message == "" {
			message = defaultMessages[code]
		}
		if message == "" {
			message = c.Meaning
		}
		return c.Status, message
	}
	return http.StatusInternalServerError, fmt.Sprintf("the test gateway knows no status for the code %q", code)
}

// knownCode reports whether code is in the vendors' error-code table.
func knownCode(code string) bool {
	_, ok := errclass.Lookup("", code)
	return ok
}
