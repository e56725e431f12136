package errclass

import (
	"errors"
	"fmt"
	"testing"

	"github.com/resilient-upload/upload/uploader"
)

func TestClientKind(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want uploader.Kind
	}{
		{"nil", nil, uploader.OK},
		// The text the COS SDK (v0.7.70, cos.go doAPI) returns when a 2xx
		// reply's CRC64 header is missing or differs from the bytes sent.
		{"cos crc missing", fmt.Errorf("verification failed, want:%v, return:%v, x-cos-hash-crc64ecma:%v, err:%v, header:%+v",
			uint64(1234567), uint64(0), "", errors.New(`strconv.ParseUint: parsing "": invalid syntax`), map[string][]string{"Etag": {`"x"`}}), uploader.Integrity},
		{"cos crc differs", errors.New("verification failed, want:1, return:2, x-cos-hash-crc64ecma:2, err:<nil>, header:map[]"), uploader.Integrity},
		{"wrapped", fmt.Errorf("put: %w", errors.New("verification failed, want:1, return:2, X-Cos-Hash-Crc64ecma:2")), uploader.Integrity},
		{"other", errors.New("verification of something else failed"), uploader.OK},
		{"network", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), uploader.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientKind(tt.err); got != tt.want {
				t.Errorf("ClientKind(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
