package integration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/huaweicloud/huaweicloud-sdk-go-obs/obs"
	cos "github.com/tencentyun/cos-go-sdk-v5"
	"github.com/volcengine/ve-tos-golang-sdk/v2/tos"

	"github.com/resilient-upload/upload/integration/gateway"
)

// This file wraps each raw vendor SDK (no product code) behind one small
// interface, so the matrix in sdk_test.go runs the same scenarios on all of
// them. Every client has the SDK's own retries off and a response-header
// timeout, so each fault is seen exactly once and a stall ends.

// observed is what an SDK's error value exposes, for the matrix.
type observed struct {
	Type      string // Go type of the error value, e.g. "*tos.TosServerError"
	Status    int    // HTTP status, 0 for network errors
	Code      string // vendor error code
	RequestID string
	EC        string // TOS/OSS detailed code
	Date      string // the server Date as the error value exposes it
	Retry     string // the Retry-After header, where the error value exposes it
	Network   string // for network errors: the innermost cause
	Timeout   bool   // for network errors: a timeout
}

func (o observed) String() string {
	if o.Status == 0 {
		return fmt.Sprintf("%s network=%q timeout=%v", o.Type, o.Network, o.Timeout)
	}
	return fmt.Sprintf("%s status=%d code=%s ec=%s reqid=%s date=%q", o.Type, o.Status, o.Code, o.EC, o.RequestID, o.Date)
}

// sdkClient is one vendor SDK bound to a bucket behind a gateway.
type sdkClient interface {
	// Put stores data under key with the SDK's simple upload.
	Put(ctx context.Context, key string, data []byte) error
	// Multipart stores the parts under key with the SDK's own multipart
	// calls (initiate, upload part, complete).
	Multipart(ctx context.Context, key string, parts [][]byte) error
	// PutAt is Put signed at the given time, with the SDK's own knob for
	// the signing time (what a client correcting its clock skew does).
	PutAt(ctx context.Context, key string, data []byte, at time.Time) error
	// Observe extracts what the SDK's error value exposes.
	Observe(err error) observed
}

// vendor builds clients of one SDK in one signing mode.
type vendor struct {
	name    string // row label in the matrix
	dialect gateway.Dialect
	newSDK  func(gw *gateway.Gateway, bucket, ak, sk string, rt *http.Transport) (sdkClient, error)
}

var vendors = []vendor{
	{"TOS", gateway.TOS, newTOS},
	{"OSS V1", gateway.OSS, newOSS(oss.AuthV1)},
	{"OSS V4", gateway.OSS, newOSS(oss.AuthV4)},
	{"OBS V2", gateway.OBS, newOBS(obs.SignatureV2)},
	{"OBS V4", gateway.OBS, newOBS(obs.SignatureV4)},
	{"COS", gateway.COS, newCOS},
}

func typeName(err error) string { return reflect.TypeOf(err).String() }

// networkCause describes the innermost error of a network failure.
func networkCause(err error) (string, bool) {
	var ue *url.Error
	if errors.As(err, &ue) {
		inner := ue.Err
		for {
			u := errors.Unwrap(inner)
			if u == nil {
				break
			}
			inner = u
		}
		return inner.Error(), ue.Timeout()
	}
	return err.Error(), false
}

// ---- TOS ----

type tosClient struct {
	cli    *tos.ClientV2
	bucket string
}

func newTOS(gw *gateway.Gateway, bucket, ak, sk string, rt *http.Transport) (sdkClient, error) {
	cli, err := tos.NewClientV2(gw.URL(), // an IP literal: path-style
		tos.WithRegion("cn-beijing"),
		tos.WithCredentials(tos.NewStaticCredentials(ak, sk)),
		tos.WithMaxRetryCount(0),
		tos.WithHTTPTransport(rt))
	if err != nil {
		return nil, err
	}
	return &tosClient{cli: cli, bucket: bucket}, nil
}

func (c *tosClient) Put(ctx context.Context, key string, data []byte) error {
	_, err := c.cli.PutObjectV2(ctx, &tos.PutObjectV2Input{
		PutObjectBasicInput: tos.PutObjectBasicInput{Bucket: c.bucket, Key: key, ContentLength: int64(len(data))},
		Content:             bytes.NewReader(data),
	})
	return err
}

func (c *tosClient) PutAt(ctx context.Context, key string, data []byte, at time.Time) error {
	in := &tos.PutObjectV2Input{
		PutObjectBasicInput: tos.PutObjectBasicInput{Bucket: c.bucket, Key: key, ContentLength: int64(len(data))},
		Content:             bytes.NewReader(data),
	}
	in.GenericInput.RequestDate = at // becomes X-Tos-Date, the signing time
	_, err := c.cli.PutObjectV2(ctx, in)
	return err
}

func (c *tosClient) Multipart(ctx context.Context, key string, parts [][]byte) error {
	up, err := c.cli.CreateMultipartUploadV2(ctx, &tos.CreateMultipartUploadV2Input{Bucket: c.bucket, Key: key})
	if err != nil {
		return fmt.Errorf("initiate: %w", err)
	}
	var done []tos.UploadedPartV2
	for i, p := range parts {
		out, err := c.cli.UploadPartV2(ctx, &tos.UploadPartV2Input{
			UploadPartBasicInput: tos.UploadPartBasicInput{Bucket: c.bucket, Key: key, UploadID: up.UploadID, PartNumber: i + 1},
			Content:              bytes.NewReader(p), ContentLength: int64(len(p)),
		})
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		done = append(done, tos.UploadedPartV2{PartNumber: i + 1, ETag: out.ETag})
	}
	lp, err := c.cli.ListParts(ctx, &tos.ListPartsInput{Bucket: c.bucket, Key: key, UploadID: up.UploadID})
	if err != nil {
		return fmt.Errorf("list parts: %w", err)
	}
	if len(lp.Parts) != len(parts) {
		return fmt.Errorf("list parts: %d parts, want %d", len(lp.Parts), len(parts))
	}
	out, err := c.cli.CompleteMultipartUploadV2(ctx, &tos.CompleteMultipartUploadV2Input{
		Bucket: c.bucket, Key: key, UploadID: up.UploadID, Parts: done,
	})
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	if out.HashCrc64ecma == 0 {
		return errors.New("complete: no combined CRC-64 in the reply")
	}
	return nil
}

// UploadFile uses the SDK's multipart helper, which compares the combined
// CRC-64 of the complete reply with its own.
func (c *tosClient) UploadFile(ctx context.Context, key string, data []byte, dir string) error {
	path := filepath.Join(dir, "upload.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	in := &tos.UploadFileInput{FilePath: path, PartSize: 5 << 20, TaskNum: 2}
	in.Bucket, in.Key = c.bucket, key
	_, err := c.cli.UploadFile(ctx, in)
	return err
}

func (c *tosClient) Observe(err error) observed {
	o := observed{Type: typeName(err)}
	var se *tos.TosServerError
	if errors.As(err, &se) {
		o.Status, o.Code, o.RequestID, o.EC = se.StatusCode, se.Code, se.RequestID, se.EC
		o.Date, o.Retry = se.Header.Get("Date"), se.Header.Get("Retry-After")
		return o
	}
	var ce *tos.TosClientError
	if errors.As(err, &ce) && ce.Cause != nil {
		o.Network, o.Timeout = networkCause(ce.Cause)
		return o
	}
	o.Network, o.Timeout = networkCause(err)
	return o
}

// ---- OSS (v1 SDK, AuthV1 or AuthV4) ----

type ossClient struct {
	bkt *oss.Bucket
	// hdr is filled by oss.GetResponseHeader on every call, errors
	// included: the only way to the server's Date.
	hdr http.Header
}

func newOSS(version oss.AuthVersionType) func(*gateway.Gateway, string, string, string, *http.Transport) (sdkClient, error) {
	return func(gw *gateway.Gateway, bucket, ak, sk string, rt *http.Transport) (sdkClient, error) {
		c, err := oss.New(gw.URL(), ak, sk,
			oss.AuthVersion(version), oss.Region("cn-hangzhou"),
			oss.HTTPClient(&http.Client{Transport: rt}))
		if err != nil {
			return nil, err
		}
		b, err := c.Bucket(bucket)
		if err != nil {
			return nil, err
		}
		return &ossClient{bkt: b}, nil
	}
}

func (c *ossClient) Put(ctx context.Context, key string, data []byte) error {
	return c.bkt.PutObject(key, bytes.NewReader(data), oss.WithContext(ctx), oss.GetResponseHeader(&c.hdr))
}

func (c *ossClient) PutAt(ctx context.Context, key string, data []byte, at time.Time) error {
	// The caller's Date replaces the SDK's and is what V1 and V4 sign.
	return c.bkt.PutObject(key, bytes.NewReader(data), oss.WithContext(ctx), oss.GetResponseHeader(&c.hdr),
		oss.SetHeader("Date", at.UTC().Format(http.TimeFormat)))
}

func (c *ossClient) Multipart(ctx context.Context, key string, parts [][]byte) error {
	imur, err := c.bkt.InitiateMultipartUpload(key, oss.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("initiate: %w", err)
	}
	var done []oss.UploadPart
	for i, p := range parts {
		up, err := c.bkt.UploadPart(imur, bytes.NewReader(p), int64(len(p)), i+1, oss.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		done = append(done, up)
	}
	if _, err := c.bkt.CompleteMultipartUpload(imur, done, oss.WithContext(ctx)); err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	return nil
}

func (c *ossClient) Observe(err error) observed {
	o := observed{Type: typeName(err)}
	var se oss.ServiceError // a value type
	if errors.As(err, &se) {
		o.Status, o.Code, o.RequestID, o.EC = se.StatusCode, se.Code, se.RequestID, se.Ec
		o.Date, o.Retry = c.hdr.Get("Date"), c.hdr.Get("Retry-After")
		return o
	}
	o.Network, o.Timeout = networkCause(err)
	return o
}

// ---- OBS (V2 or V4) ----

type obsClient struct {
	cli    *obs.ObsClient
	bucket string
}

func newOBS(sig obs.SignatureType) func(*gateway.Gateway, string, string, string, *http.Transport) (sdkClient, error) {
	return func(gw *gateway.Gateway, bucket, ak, sk string, rt *http.Transport) (sdkClient, error) {
		cli, err := obs.New(ak, sk, gw.URL(),
			obs.WithSignature(sig), obs.WithPathStyle(true), obs.WithRegion("cn-north-4"),
			obs.WithMaxRetryCount(0), obs.WithHttpClient(&http.Client{Transport: rt}))
		if err != nil {
			return nil, err
		}
		return &obsClient{cli: cli, bucket: bucket}, nil
	}
}

func (c *obsClient) Put(ctx context.Context, key string, data []byte) error {
	in := &obs.PutObjectInput{Body: bytes.NewReader(data)}
	in.Bucket, in.Key, in.ContentLength = c.bucket, key, int64(len(data))
	_, err := c.cli.PutObject(in)
	return err
}

func (c *obsClient) PutAt(ctx context.Context, key string, data []byte, at time.Time) error {
	in := &obs.PutObjectInput{Body: bytes.NewReader(data)}
	in.Bucket, in.Key, in.ContentLength = c.bucket, key, int64(len(data))
	// V2 signs the Date; V4 derives X-Amz-Date's time from it.
	_, err := c.cli.PutObject(in, obs.WithCustomHeader("Date", at.UTC().Format(http.TimeFormat)))
	return err
}

func (c *obsClient) Multipart(ctx context.Context, key string, parts [][]byte) error {
	ini := &obs.InitiateMultipartUploadInput{}
	ini.Bucket, ini.Key = c.bucket, key
	up, err := c.cli.InitiateMultipartUpload(ini)
	if err != nil {
		return fmt.Errorf("initiate: %w", err)
	}
	var done []obs.Part
	for i, p := range parts {
		out, err := c.cli.UploadPart(&obs.UploadPartInput{
			Bucket: c.bucket, Key: key, UploadId: up.UploadId, PartNumber: i + 1,
			Body: bytes.NewReader(p), PartSize: int64(len(p)),
		})
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		done = append(done, obs.Part{PartNumber: i + 1, ETag: out.ETag})
	}
	_, err = c.cli.CompleteMultipartUpload(&obs.CompleteMultipartUploadInput{
		Bucket: c.bucket, Key: key, UploadId: up.UploadId, Parts: done,
	})
	if err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	return nil
}

func (c *obsClient) Observe(err error) observed {
	o := observed{Type: typeName(err)}
	var oe obs.ObsError // a value type
	if errors.As(err, &oe) {
		o.Status, o.Code, o.RequestID = oe.StatusCode, oe.Code, oe.RequestId
		if d := oe.ResponseHeaders["date"]; len(d) > 0 {
			o.Date = d[0]
		}
		if d := oe.ResponseHeaders["retry-after"]; len(d) > 0 {
			o.Retry = d[0]
		}
		return o
	}
	o.Network, o.Timeout = networkCause(err)
	return o
}

// ---- COS ----

// bucketPathRT puts the bucket in front of the path: COS drops the path of
// BucketURL, so path-style needs a RoundTripper. It sits below the signer,
// which therefore signs "/key" (the gateway accepts that).
type bucketPathRT struct {
	bucket string
	next   http.RoundTripper
}

func (t bucketPathRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Path = "/" + t.bucket + r.URL.Path
	if r.URL.RawPath != "" {
		r.URL.RawPath = "/" + t.bucket + r.URL.RawPath
	}
	return t.next.RoundTrip(r)
}

type cosClient struct {
	cli            *cos.Client
	bucket, ak, sk string
	base           *url.URL
	rt             http.RoundTripper
}

// cosAuthAtRT signs with a fixed start time: the SDK has no signing-time
// knob, but exports AddAuthorizationHeader.
type cosAuthAtRT struct {
	ak, sk string
	at     time.Time
	next   http.RoundTripper
}

func (t cosAuthAtRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	end := t.at.Add(time.Hour)
	cos.AddAuthorizationHeader(t.ak, t.sk, "", r, &cos.AuthTime{SignStartTime: t.at, SignEndTime: end, KeyStartTime: t.at, KeyEndTime: end})
	return t.next.RoundTrip(r)
}

func newCOS(gw *gateway.Gateway, bucket, ak, sk string, rt *http.Transport) (sdkClient, error) {
	u, err := url.Parse(gw.URL())
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID: ak, SecretKey: sk, Transport: bucketPathRT{bucket: bucket, next: rt},
	}}
	cli := cos.NewClient(&cos.BaseURL{BucketURL: u}, hc)
	cli.Conf.RetryOpt.Count = 1 // one try; CRC checks stay on (the gateway sends x-cos-hash-crc64ecma)
	return &cosClient{cli: cli, bucket: bucket, ak: ak, sk: sk, base: u, rt: rt}, nil
}

func (c *cosClient) PutAt(ctx context.Context, key string, data []byte, at time.Time) error {
	hc := &http.Client{Transport: cosAuthAtRT{ak: c.ak, sk: c.sk, at: at, next: bucketPathRT{bucket: c.bucket, next: c.rt}}}
	cli := cos.NewClient(&cos.BaseURL{BucketURL: c.base}, hc)
	cli.Conf.RetryOpt.Count = 1
	_, err := cli.Object.Put(ctx, key, bytes.NewReader(data), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentLength: int64(len(data))},
	})
	return err
}

func (c *cosClient) Put(ctx context.Context, key string, data []byte) error {
	_, err := c.cli.Object.Put(ctx, key, bytes.NewReader(data), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentLength: int64(len(data))},
	})
	return err
}

func (c *cosClient) Multipart(ctx context.Context, key string, parts [][]byte) error {
	up, _, err := c.cli.Object.InitiateMultipartUpload(ctx, key, nil)
	if err != nil {
		return fmt.Errorf("initiate: %w", err)
	}
	opt := &cos.CompleteMultipartUploadOptions{}
	for i, p := range parts {
		resp, err := c.cli.Object.UploadPart(ctx, key, up.UploadID, i+1, bytes.NewReader(p), &cos.ObjectUploadPartOptions{ContentLength: int64(len(p))})
		if err != nil {
			return fmt.Errorf("part %d: %w", i+1, err)
		}
		opt.Parts = append(opt.Parts, cos.Object{PartNumber: i + 1, ETag: resp.Header.Get("ETag")})
	}
	if _, _, err := c.cli.Object.CompleteMultipartUpload(ctx, key, up.UploadID, opt); err != nil {
		return fmt.Errorf("complete: %w", err)
	}
	return nil
}

// UploadFile uses the SDK's multipart helper, which checks the combined
// CRC-64 of the complete reply.
func (c *cosClient) UploadFile(ctx context.Context, key string, data []byte, dir string) error {
	path := filepath.Join(dir, "upload.bin")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return err
	}
	_, _, err := c.cli.Object.Upload(ctx, key, path, &cos.MultiUploadOptions{PartSize: 5, ThreadPoolSize: 2})
	return err
}

func (c *cosClient) Observe(err error) observed {
	o := observed{Type: typeName(err)}
	var er *cos.ErrorResponse
	if errors.As(err, &er) {
		o.Status, o.Code, o.RequestID = er.Response.StatusCode, er.Code, er.RequestID
		o.Date, o.Retry = er.Response.Header.Get("Date"), er.Response.Header.Get("Retry-After")
		return o
	}
	// *cos.RetryError has no Unwrap: walk its Errs.
	var re *cos.RetryError
	if errors.As(err, &re) {
		for _, e := range re.Errs {
			if errors.As(e, &er) {
				o.Status, o.Code, o.RequestID = er.Response.StatusCode, er.Code, er.RequestID
				o.Date = er.Response.Header.Get("Date")
				return o
			}
		}
		if len(re.Errs) > 0 {
			o.Network, o.Timeout = networkCause(re.Errs[len(re.Errs)-1])
			return o
		}
	}
	o.Network, o.Timeout = networkCause(err)
	return o
}

// fileUploader is an SDK's own multipart helper that checks the combined
// CRC-64 of the complete reply (TOS UploadFile, COS Upload).
type fileUploader interface {
	UploadFile(ctx context.Context, key string, data []byte, dir string) error
}

// readAll reads a body fully (helper for the minio-go check).
func readAll(r io.ReadCloser) ([]byte, error) {
	defer r.Close()
	return io.ReadAll(r)
}

// objectOps are the read-side calls a backend may use (Stat, Delete, and a
// read-back).
type objectOps interface {
	Stat(ctx context.Context, key string) (int64, error)
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

func (c *tosClient) Stat(ctx context.Context, key string) (int64, error) {
	out, err := c.cli.HeadObjectV2(ctx, &tos.HeadObjectV2Input{Bucket: c.bucket, Key: key})
	if err != nil {
		return 0, err
	}
	return out.ContentLength, nil
}

func (c *tosClient) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := c.cli.GetObjectV2(ctx, &tos.GetObjectV2Input{Bucket: c.bucket, Key: key})
	if err != nil {
		return nil, err
	}
	return readAll(out.Content)
}

func (c *tosClient) Delete(ctx context.Context, key string) error {
	_, err := c.cli.DeleteObjectV2(ctx, &tos.DeleteObjectV2Input{Bucket: c.bucket, Key: key})
	return err
}

func (c *ossClient) Stat(ctx context.Context, key string) (int64, error) {
	h, err := c.bkt.GetObjectDetailedMeta(key, oss.WithContext(ctx), oss.GetResponseHeader(&c.hdr))
	if err != nil {
		return 0, err
	}
	var n int64
	_, err = fmt.Sscan(h.Get("Content-Length"), &n)
	return n, err
}

func (c *ossClient) Get(ctx context.Context, key string) ([]byte, error) {
	r, err := c.bkt.GetObject(key, oss.WithContext(ctx), oss.GetResponseHeader(&c.hdr))
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

func (c *ossClient) Delete(ctx context.Context, key string) error {
	return c.bkt.DeleteObject(key, oss.WithContext(ctx), oss.GetResponseHeader(&c.hdr))
}

func (c *obsClient) Stat(ctx context.Context, key string) (int64, error) {
	out, err := c.cli.GetObjectMetadata(&obs.GetObjectMetadataInput{Bucket: c.bucket, Key: key})
	if err != nil {
		return 0, err
	}
	return out.ContentLength, nil
}

func (c *obsClient) Get(ctx context.Context, key string) ([]byte, error) {
	in := &obs.GetObjectInput{}
	in.Bucket, in.Key = c.bucket, key
	out, err := c.cli.GetObject(in)
	if err != nil {
		return nil, err
	}
	return readAll(out.Body)
}

func (c *obsClient) Delete(ctx context.Context, key string) error {
	_, err := c.cli.DeleteObject(&obs.DeleteObjectInput{Bucket: c.bucket, Key: key})
	return err
}

func (c *cosClient) Stat(ctx context.Context, key string) (int64, error) {
	resp, err := c.cli.Object.Head(ctx, key, nil)
	if err != nil {
		return 0, err
	}
	return resp.ContentLength, nil
}

func (c *cosClient) Get(ctx context.Context, key string) ([]byte, error) {
	resp, err := c.cli.Object.Get(ctx, key, nil)
	if err != nil {
		return nil, err
	}
	return readAll(resp.Body)
}

func (c *cosClient) Delete(ctx context.Context, key string) error {
	_, err := c.cli.Object.Delete(ctx, key)
	return err
}
