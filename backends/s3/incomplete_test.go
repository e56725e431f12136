package s3

import (
	"context"
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest/gatewayharness"
	"github.com/resilient-upload/upload/uploader"
)

// TestIncompleteThroughGateway: uploads started straight at MinIO and left
// (as a kill -9 leaves them) are listed and aborted through the gateway
// (gatewayharness.CheckIncomplete).
func TestIncompleteThroughGateway(t *testing.T) {
	b, env := viaGateway(t, nil)
	gatewayharness.CheckIncomplete(t, env, b)
}

// TestIncompleteErrors: a wrong secret is classified (SignatureMismatch)
// for the list and for the abort, and a closed backend refuses both.
func TestIncompleteErrors(t *testing.T) {
	b, _ := viaGateway(t, func(o *Options) { o.SecretAccessKey = "a-wrong-fake-secret" })
	ctx := context.Background()
	if _, err := b.ListIncomplete(ctx, ""); uploader.KindOf(err) != uploader.SignatureMismatch {
		t.Errorf("list: %v", err)
	}
	if err := b.AbortIncomplete(ctx, "k", "some-id"); uploader.KindOf(err) != uploader.SignatureMismatch {
		t.Errorf("abort: %v", err)
	}
	b.Close()
	if _, err := b.ListIncomplete(ctx, ""); uploader.AsError(err) == nil {
		t.Errorf("list after Close: %v", err)
	}
	if err := b.AbortIncomplete(ctx, "k", "some-id"); uploader.AsError(err) == nil {
		t.Errorf("abort after Close: %v", err)
	}
}
