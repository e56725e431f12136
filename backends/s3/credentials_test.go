package s3_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilient-upload/upload/backends/s3"
	"github.com/resilient-upload/upload/credentials"
)

// TestInstanceRoleIMDSv2: minio-go's IAM provider, pointed at a loopback
// fake of the EC2 metadata service, fetches the role's keys with an IMDSv2
// token; behind a credentials.Cache they are fetched once while fresh and
// rotated near their expiry.
func TestInstanceRoleIMDSv2(t *testing.T) {
	for _, v := range []string{"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_ROLE_ARN"} {
		t.Setenv(v, "")
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var fetches atomic.Int64
	var expires atomic.Int64
	expires.Store(now.Add(time.Hour).Unix())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			_, _ = w.Write([]byte("imds-session"))
		case r.Header.Get("X-Aws-Ec2-Metadata-Token") != "imds-session":
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			_, _ = w.Write([]byte("app-role"))
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/app-role":
			n := fetches.Add(1)
			_ = json.NewEncoder(w).Encode(map[string]any{"Code": "Success", "AccessKeyId": fmt.Sprint("ASIA", n),
				"SecretAccessKey": "fake-imds-secret", "Token": "fake-imds-token",
				"Expiration": time.Unix(expires.Load(), 0).UTC().Format(time.RFC3339), "LastUpdated": now.Format(time.RFC3339)})
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	c := credentials.NewCache(s3.InstanceRole(srv.URL, nil), credentials.CacheOptions{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	v, err := c.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.AccessKeyID != "ASIA1" || v.SessionToken != "fake-imds-token" || !v.Expires.Equal(now.Add(time.Hour)) ||
		!strings.HasPrefix(v.Source, "instance role (minio-go IAM, http://127.0.0.1") {
		t.Fatalf("got %s, expires %v, source %q", v.AccessKeyID, v.Expires, v.Source)
	}
	clock.Store(now.Add(30 * time.Minute).UnixNano())
	if v, _ := c.Retrieve(context.Background()); v.AccessKeyID != "ASIA1" || fetches.Load() != 1 {
		t.Fatalf("not cached: %s after %d fetches", v.AccessKeyID, fetches.Load())
	}
	expires.Store(now.Add(2 * time.Hour).Unix())
	clock.Store(now.Add(58 * time.Minute).UnixNano())
	if v, _ := c.Retrieve(context.Background()); v.AccessKeyID != "ASIA2" {
		t.Fatalf("not rotated: %s", v.AccessKeyID)
	}
}
