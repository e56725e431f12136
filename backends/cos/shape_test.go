package cos

import (
	"testing"

	"github.com/resilient-upload/upload/backends/backendtest"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// TestSizesAtLimits: a multipart setting above a provider's limit is
// refused, naming the setting, never capped; one at the limit is taken.
func TestSizesAtLimits(t *testing.T) {
	backendtest.SizesAtLimits(t, func(s backendtest.Sizes) (uploader.Backend, error) {
		b, err := New(Options{Common: provider.Common{Name: "cos-sizes", Endpoint: "http://127.0.0.1:1", Bucket: "bkt-1250000000", AccessKeyID: "AKIDsizestest", SecretAccessKey: "fake-secret", PartSize: s.PartSize, PartConcurrency: s.PartConcurrency, MultipartThreshold: s.MultipartThreshold}})
		if err != nil {
			return nil, err
		}
		return b, nil
	})
}
