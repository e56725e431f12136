package creds

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/resilient-upload/upload/credentials"
	"github.com/resilient-upload/upload/uploader"
)

func TestExpired(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	static := credentials.Value{AccessKeyID: "AK", SecretAccessKey: "s"}
	temp := credentials.Value{AccessKeyID: "STS", SecretAccessKey: "s", SessionToken: "t", Expires: now.Add(time.Hour)}
	past := temp
	past.Expires = now.Add(-time.Minute)
	refusal := func(status int, code string) error {
		return &uploader.Error{Kind: uploader.InvalidCredentials, Status: status, Code: code}
	}
	for _, tc := range []struct {
		name string
		err  error
		used credentials.Value
		want bool
	}{
		{"TOS/S3 ExpiredToken", refusal(403, "ExpiredToken"), temp, true},
		{"OSS SecurityTokenExpired", refusal(403, "SecurityTokenExpired"), temp, true},
		{"expired code even for keys without token", refusal(400, "ExpiredToken"), static, true},
		{"InvalidAccessKeyId of a temporary key", refusal(403, "InvalidAccessKeyId"), temp, true},
		{"InvalidAccessKeyId of a long-term key", refusal(403, "InvalidAccessKeyId"), static, false},
		{"InvalidSecurityToken", refusal(403, "InvalidSecurityToken"), temp, true},
		{"HEAD 403 without code after expiry", refusal(403, ""), past, true},
		{"HEAD 403 without code before expiry", refusal(403, ""), temp, false},
		{"signature mismatch", &uploader.Error{Kind: uploader.SignatureMismatch, Status: 403, Code: "SignatureDoesNotMatch"}, temp, false},
		{"503", &uploader.Error{Kind: uploader.Unavailable, Status: 503, Code: "ServiceUnavailable"}, temp, false},
		{"not an uploader error", errors.New("x"), temp, false},
	} {
		if got := Expired(tc.err, tc.used, now); got != tc.want {
			t.Errorf("%s: Expired = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestRefreshSameKeys: a source that hands out the refused keys again gets
// no retry, and the error says to renew them there.
func TestRefreshSameKeys(t *testing.T) {
	p := credentials.Named("env (TOS_ACCESS_KEY)", credentials.Static("AK", "fake-secret", "fake-token"))
	s := New("t", "tos", p, nil)
	used, err := s.Prepare(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	refusal := &uploader.Error{Kind: uploader.InvalidCredentials, Status: 403, Code: "ExpiredToken"}
	retry, out := s.Refresh(context.Background(), used, refusal)
	if retry || out != refusal {
		t.Fatalf("retry %v, err %v", retry, out)
	}
	if h := strings.Join(refusal.Hints, " "); !strings.Contains(h, "env (TOS_ACCESS_KEY) still gives the same keys") {
		t.Errorf("hints %q", h)
	}
}
