package upload_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/backends/s3"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// ExampleNewWriter streams a gzip-compressed log into an object through a
// Writer, with attributes. The bytes written are spooled (memory, then a
// temporary file) and uploaded on Close with the failover of the Uploader:
// here the S3 endpoint is a closed loopback port, so the local backup
// takes the object.
func ExampleNewWriter() {
	dir, err := os.MkdirTemp("", "upload-writer-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	primary, err := s3.New(s3.Options{Common: provider.Common{Name: "s3", Endpoint: "http://127.0.0.1:1", Bucket: "logs"}})
	if err != nil {
		log.Fatal(err)
	}
	defer primary.Close()
	backup, err := local.New(local.Options{Name: "backup", Dir: filepath.Join(dir, "spool")})
	if err != nil {
		log.Fatal(err)
	}
	defer backup.Close()
	up, err := failover.New([]failover.Target{{Backend: primary}, {Backend: backup}},
		failover.Options{Retry: failover.RetryOptions{MaxAttempts: 1}})
	if err != nil {
		log.Fatal(err)
	}
	defer up.Close()

	w := uploader.NewWriter(context.Background(), up, "logs/app.log.gz", &uploader.WriterOptions{
		ContentType: "text/plain",
		Attributes: uploader.Attributes{ContentEncoding: "gzip", StorageClass: uploader.StorageInfrequent,
			Tags: map[string]string{"app": "billing"}},
	})
	zw := gzip.NewWriter(w)
	for i := range 1000 {
		fmt.Fprintf(zw, "line %d: all is well\n", i)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := w.Close(); err != nil {
		log.Fatal(uploader.AsError(err).Explain())
	}
	res := w.Result()
	fmt.Printf("stored on %s, backed up: %v\n", res.Target, res.BackedUp)
	info, err := backup.Stat(context.Background(), "logs/app.log.gz")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, %s, %d tag\n", info.ContentEncoding, info.StorageClass, info.TagCount)
	// Output:
	// stored on backup, backed up: true
	// gzip, INFREQUENT, 1 tag
}
