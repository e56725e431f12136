package upload_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/resilient-upload/upload/backends/local"
	"github.com/resilient-upload/upload/backends/tos"
	"github.com/resilient-upload/upload/failover"
	"github.com/resilient-upload/upload/provider"
	"github.com/resilient-upload/upload/uploader"
)

// Example uploads a file to TOS in Beijing, failing over to a local backup.
// Here the TOS endpoint is a closed loopback port, so the example runs
// anywhere: the upload is refused, and the backup takes the file. With a
// real endpoint and keys (AKLT…), the same code stores it on TOS, and a
// later Drain moves backed-up files there.
func Example() {
	dir, err := os.MkdirTemp("", "upload-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.csv")
	if err := os.WriteFile(path, []byte("id,total\n1,42\n"), 0o600); err != nil {
		log.Fatal(err)
	}

	primary, err := tos.New(tos.Options{Common: provider.Common{
		Name:     "tos-beijing",
		Endpoint: "http://127.0.0.1:1", // in production: tos-cn-beijing.volces.com
		Region:   "cn-beijing",
		Bucket:   "reports",
		// AccessKeyID: os.Getenv("TOS_ACCESS_KEY"), SecretAccessKey: os.Getenv("TOS_SECRET_KEY"),
	}})
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

	obj, err := uploader.FileObject("daily/report.csv", path)
	if err != nil {
		log.Fatal(err)
	}
	res, err := up.Upload(context.Background(), obj)
	if err != nil {
		// Every target refused: the error says why, in words to act on.
		log.Fatal(uploader.AsError(err).Explain())
	}
	for _, a := range res.Attempts {
		fmt.Printf("tried %s: %s\n", a.Target, a.Kind)
	}
	fmt.Printf("stored on %s (%s), backed up: %v, %d bytes, md5 %s\n",
		res.Target, res.Provider, res.BackedUp, res.Size, res.MD5)
	// Output:
	// tried tos-beijing: unavailable
	// tried backup: ok
	// stored on backup (local), backed up: true, 14 bytes, md5 53df501a4b4c1400e4d2256cf7b907f7
}
