package errclass

import (
	"fmt"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

// TestRefusalKinds pins the codes that were misclassified: traffic and QPS
// limits are throttles, a vanished multipart upload is not a missing
// bucket, and a target-level 400 (a wrong region or endpoint, an unknown
// code) is not the caller's fault.
func TestRefusalKinds(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   uploader.Kind
	}{
		{503, "UploadTrafficRateLimitExceeded", uploader.Throttled},
		{503, "DownloadTrafficRateLimitExceeded", uploader.Throttled},
		{503, "TotalQpsLimitExceeded", uploader.Throttled},
		{503, "ActiveRequestLimitExceeded", uploader.Throttled},
		{503, "ExceedBackendQosLimit", uploader.Throttled},
		{404, "NoSuchUpload", uploader.Unknown},
		{403, "CrossRegionAccessError", uploader.TargetRefused},
		{400, "AuthorizationHeaderMalformed", uploader.TargetRefused},
		{400, "PublicEndpointForbidden", uploader.TargetRefused},
		{400, "SomeCodeNobodyListed", uploader.TargetRefused},
		{400, "", uploader.TargetRefused},
		// The caller's own input stays Invalid.
		{400, "EntityTooLarge", uploader.Invalid},
		{400, "KeyTooLong", uploader.Invalid},
		{400, "InvalidArgument", uploader.Invalid},
		{413, "", uploader.Invalid},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d_%s", tt.status, tt.code), func(t *testing.T) {
			if got := CodeKind(tt.status, tt.code, ""); got != tt.want {
				t.Fatalf("CodeKind(%d, %q) = %v, want %v", tt.status, tt.code, got, tt.want)
			}
		})
	}
}
