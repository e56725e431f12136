package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// InstanceOptions configures an instance-role link.
type InstanceOptions struct {
	// Role is the role (RAM role, CAM role, IAM role) attached to the
	// instance. Empty: the metadata service is asked which role is
	// attached (Huawei's service needs no role name).
	Role string
	// Endpoint is the base URL of the metadata service. Default: the
	// vendor's ([MetadataEndpoints]). Tests point it at a loopback fake.
	Endpoint string
	// Client sends the requests. Default: a client with a 5-second
	// timeout that ignores proxies.
	Client *http.Client
}

// MetadataEndpoints are the vendors' instance metadata services.
var MetadataEndpoints = map[string]string{
	"oss": "http://100.100.100.200",         // Aliyun ECS
	"cos": "http://metadata.tencentyun.com", // Tencent CVM
	"obs": "http://169.254.169.254",         // Huawei ECS (OpenStack)
	"tos": "http://100.96.0.96",             // Volcengine ECS
	"s3":  "http://169.254.169.254",         // AWS EC2 (IMDSv2)
}

// metadataPaths are the paths of the role credentials; a role name is
// appended to those ending in "/".
var metadataPaths = map[string]string{
	"oss": "/latest/meta-data/ram/security-credentials/",
	"cos": "/latest/meta-data/cam/security-credentials/",
	"obs": "/openstack/latest/securitykey",
	"tos": "/volcstack/latest/iam/security_credentials/",
	"s3":  "/latest/meta-data/iam/security-credentials/",
}

// Instance returns a Provider that fetches the temporary keys of the
// instance's role from the vendor's metadata service: Aliyun ECS RAM role
// (oss), Tencent CVM CAM role (cos), Huawei ECS agency (obs), Volcengine
// ECS IAM role (tos), AWS EC2 IAM role through IMDSv2 (s3). Errors name
// the link and the HTTP status, never the reply's body.
func Instance(provider string, opts InstanceOptions) Provider {
	base := strings.TrimRight(opts.Endpoint, "/")
	if base == "" {
		base = MetadataEndpoints[provider]
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
	}
	return ProviderFunc(func(ctx context.Context) (Value, error) {
		role := opts.Role
		link := "instance role"
		if role != "" {
			link += " " + role
		}
		link += " (" + base + ")"
		fail := func(err error) (Value, error) { return Value{}, &Error{Link: link, Err: err} }
		path, ok := metadataPaths[provider]
		if !ok {
			return fail(fmt.Errorf("no instance metadata service is known for provider %q", provider))
		}
		hdr := http.Header{}
		if provider == "s3" {
			tok, err := get(ctx, client, http.MethodPut, base+"/latest/api/token",
				http.Header{"X-Aws-Ec2-Metadata-Token-Ttl-Seconds": {"21600"}})
			if err == nil {
				hdr.Set("X-Aws-Ec2-Metadata-Token", strings.TrimSpace(string(tok)))
			} else if ctx.Err() != nil {
				return fail(err)
			}
		}
		if strings.HasSuffix(path, "/") {
			if role == "" {
				list, err := get(ctx, client, http.MethodGet, base+path, hdr)
				if err != nil {
					return fail(fmt.Errorf("asking which role is attached: %w", err))
				}
				role = strings.TrimSpace(strings.SplitN(strings.TrimSpace(string(list)), "\n", 2)[0])
				if role == "" {
					return fail(fmt.Errorf("%w: no role is attached to this instance", ErrNotFound))
				}
				link = "instance role " + role + " (" + base + ")"
			}
			path += role
		}
		body, err := get(ctx, client, http.MethodGet, base+path, hdr)
		if err != nil {
			return fail(err)
		}
		v, err := parseMetadata(provider, body)
		if err != nil {
			return fail(err)
		}
		v.Source = link
		return v, nil
	})
}

// errStatus is a non-200 reply of the metadata service.
type errStatus int

func (e errStatus) Error() string {
	return "the metadata service answered HTTP " + strconv.Itoa(int(e))
}

func get(ctx context.Context, c *http.Client, method, url string, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: the metadata service did not answer: %v", ErrNotFound, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("reading the metadata reply: %v", err)
	}
	if resp.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, errStatus(resp.StatusCode))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, errStatus(resp.StatusCode)
	}
	return b, nil
}

// parseMetadata decodes one vendor's role-credentials document. The
// error never quotes the document.
func parseMetadata(provider string, body []byte) (Value, error) {
	bad := errors.New("the metadata reply is not the expected credentials document")
	var v Value
	switch provider {
	case "oss", "s3":
		var d struct {
			Code            string
			AccessKeyID     string `json:"AccessKeyId"`
			AccessKeySecret string
			SecretAccessKey string
			SecurityToken   string
			Token           string
			Expiration      string
		}
		if json.Unmarshal(body, &d) != nil {
			return v, bad
		}
		if d.Code != "" && d.Code != "Success" {
			return v, fmt.Errorf("the metadata service answered Code %q", d.Code)
		}
		v = Value{AccessKeyID: d.AccessKeyID, SecretAccessKey: d.AccessKeySecret + d.SecretAccessKey,
			SessionToken: d.SecurityToken + d.Token}
		v.Expires, _ = parseExpiry(d.Expiration)
	case "cos":
		var d struct {
			Code         string
			TmpSecretID  string `json:"TmpSecretId"`
			TmpSecretKey string
			Token        string
			ExpiredTime  int64
			Expiration   string
		}
		if json.Unmarshal(body, &d) != nil {
			return v, bad
		}
		if d.Code != "" && d.Code != "Success" {
			return v, fmt.Errorf("the metadata service answered Code %q", d.Code)
		}
		v = Value{AccessKeyID: d.TmpSecretID, SecretAccessKey: d.TmpSecretKey, SessionToken: d.Token}
		if d.ExpiredTime > 0 {
			v.Expires = time.Unix(d.ExpiredTime, 0)
		} else {
			v.Expires, _ = parseExpiry(d.Expiration)
		}
	case "obs":
		var d struct {
			Credential struct {
				Access        string `json:"access"`
				Secret        string `json:"secret"`
				SecurityToken string `json:"securitytoken"`
				ExpiresAt     string `json:"expires_at"`
			} `json:"credential"`
		}
		if json.Unmarshal(body, &d) != nil {
			return v, bad
		}
		c := d.Credential
		v = Value{AccessKeyID: c.Access, SecretAccessKey: c.Secret, SessionToken: c.SecurityToken}
		v.Expires, _ = parseExpiry(c.ExpiresAt)
	case "tos":
		var d struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string
			SessionToken    string
			ExpiredTime     json.RawMessage
		}
		if json.Unmarshal(body, &d) != nil {
			return v, bad
		}
		v = Value{AccessKeyID: d.AccessKeyID, SecretAccessKey: d.SecretAccessKey, SessionToken: d.SessionToken}
		raw := strings.Trim(string(d.ExpiredTime), `"`)
		if n, err := strconv.ParseInt(raw, 10, 64); err == nil && n > 0 {
			v.Expires = time.Unix(n, 0)
		} else {
			v.Expires, _ = parseExpiry(raw)
		}
	}
	if v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return Value{}, errors.New("the metadata reply holds no access key")
	}
	return v, nil
}

func parseExpiry(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000000Z", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unparsable expiry")
}
