package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// sdkModules are the modules whose versions `upload version` reports: the
// vendors' SDKs the backends are built on.
var sdkModules = []string{
	"github.com/volcengine/ve-tos-golang-sdk/v2",
	"github.com/aliyun/aliyun-oss-go-sdk",
	"github.com/huaweicloud/huaweicloud-sdk-go-obs",
	"github.com/tencentyun/cos-go-sdk-v5",
	"github.com/minio/minio-go/v7",
}

// buildInfo is what the binary knows of its own build.
type buildInfo struct {
	Module, Version string
	// Revision, Time and Modified are the version control's, when the
	// binary was built from a checkout.
	Revision, Time string
	Modified       bool
	Go             string
	SDKs           [][2]string // module path, version
}

func readBuildInfo() buildInfo {
	bi := buildInfo{Module: "github.com/resilient-upload/upload", Version: "(unknown)", Go: "unknown"}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return bi
	}
	bi.Go = info.GoVersion
	if info.Main.Version != "" {
		bi.Version = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			bi.Revision = s.Value
		case "vcs.time":
			bi.Time = s.Value
		case "vcs.modified":
			bi.Modified = s.Value == "true"
		}
	}
	for _, want := range sdkModules {
		for _, d := range info.Deps {
			if d.Path == want {
				v := d.Version
				if d.Replace != nil {
					v += " => " + d.Replace.Path + " " + d.Replace.Version
				}
				bi.SDKs = append(bi.SDKs, [2]string{d.Path, v})
			}
		}
	}
	return bi
}

// short is the --version line: "upload VERSION (COMMIT) go1.x".
func (bi buildInfo) short() string {
	s := "upload " + bi.Version
	if bi.Revision != "" {
		s += " (" + bi.commit() + ")"
	}
	return s + " " + bi.Go
}

func (bi buildInfo) commit() string {
	c := bi.Revision
	if len(c) > 12 {
		c = c[:12]
	}
	if bi.Modified {
		c += ", modified"
	}
	return c
}

// write is `upload version`: the module, the commit, Go and the SDKs.
func (bi buildInfo) write(w io.Writer) {
	fmt.Fprintf(w, "upload %s %s\n", bi.Module, bi.Version)
	if bi.Revision != "" {
		fmt.Fprintf(w, "commit: %s", bi.Revision)
		if bi.Time != "" {
			fmt.Fprintf(w, " (%s)", bi.Time)
		}
		if bi.Modified {
			fmt.Fprint(w, " with local changes")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "go: %s\n", bi.Go)
	if len(bi.SDKs) > 0 {
		fmt.Fprintln(w, "sdks:")
		for _, s := range bi.SDKs {
			fmt.Fprintf(w, "  %s %s\n", s[0], s[1])
		}
	}
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of upload, its commit, and the Go and SDK versions it was built with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			readBuildInfo().write(a.stdout)
			return nil
		},
	}
}

// commandSuggestion returns a usage error when the first argument is no
// file or directory but looks like a mistyped command name ("upload
// docter"), rather than uploading nothing and calling it stored nowhere.
// A path that exists is always a path.
func commandSuggestion(root *cobra.Command, args []string) error {
	if len(args) == 0 || args[0] == "-" || strings.ContainsAny(args[0], `/\.`) {
		return nil
	}
	if _, err := os.Lstat(args[0]); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if s := root.SuggestionsFor(args[0]); len(s) > 0 {
		return &usageError{fmt.Sprintf("%q is neither a file nor a command: did you mean %q? (a file of that name is given as ./%s)", args[0], s[0], args[0])}
	}
	return nil
}
