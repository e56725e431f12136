package main

import (
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// TestPackageDocMatchesHelp: the package comment's usage names every
// command and every flag that `upload --help` and `upload COMMAND --help`
// list.
func TestPackageDocMatchesHelp(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	c := newCLI(t)
	root := c.run("--help")
	if root.code != 0 {
		t.Fatalf("--help: exit %d\n%s", root.code, root.stderr)
	}
	_, cmds, ok := strings.Cut(root.stdout, "Available Commands:\n")
	if !ok {
		t.Fatalf("--help lists no commands:\n%s", root.stdout)
	}
	cmds, _, _ = strings.Cut(cmds, "\n\n")
	var subs []string
	for _, l := range strings.Split(cmds, "\n") {
		if name := strings.Fields(l); len(name) > 0 && name[0] != "help" && name[0] != "completion" {
			subs = append(subs, name[0])
		}
	}
	if len(subs) < 3 {
		t.Fatalf("commands %v: want doctor, drain, gateway at least", subs)
	}
	flag := regexp.MustCompile(`(?m)^\s+(?:-\w, )?(--[a-z-]+)`)
	check := func(cmd, help string) {
		for _, m := range flag.FindAllStringSubmatch(help, -1) {
			if m[1] != "--help" && !strings.Contains(doc, m[1]) {
				t.Errorf("the package comment does not mention %s (upload %s--help)", m[1], cmd)
			}
		}
	}
	check("", root.stdout)
	for _, sub := range subs {
		if !strings.Contains(doc, "upload "+sub) {
			t.Errorf("the package comment's usage does not list `upload %s`", sub)
		}
		r := c.run(sub, "--help")
		if r.code != 0 {
			t.Fatalf("%s --help: exit %d", sub, r.code)
		}
		check(sub+" ", r.stdout)
	}
}
