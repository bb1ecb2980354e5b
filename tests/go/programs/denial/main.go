// Tries to reach paths the harness did not grant (or granted read-only): argv is a list of
// operations "read:PATH", "write:PATH", "append:PATH", "list:PATH", "mkdir:PATH",
// "remove:PATH", "rename:FROM=>TO", each expected to fail; a leading "+" marks one expected to
// succeed (to show the grant itself works). Each result is printed; exits 1 if any operation
// did not do what was expected, so a leak fails loudly.
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	unexpected := 0
	for _, op := range os.Args[1:] {
		want := strings.HasPrefix(op, "+")
		kind, path, _ := strings.Cut(strings.TrimPrefix(op, "+"), ":")
		var err error
		var detail string
		switch kind {
		case "read":
			var b []byte
			b, err = os.ReadFile(path)
			detail = fmt.Sprintf("%d bytes %q", len(b), b)
		case "write":
			err = os.WriteFile(path, []byte("written by denial\n"), 0o644)
		case "append":
			var f *os.File
			f, err = os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err == nil {
				_, err = f.WriteString("appended by denial\n")
				f.Close()
			}
		case "list":
			var es []os.DirEntry
			es, err = os.ReadDir(path)
			detail = fmt.Sprintf("%d entries", len(es))
		case "mkdir":
			err = os.Mkdir(path, 0o755)
		case "remove":
			err = os.Remove(path)
		case "rename":
			from, to, _ := strings.Cut(path, "=>")
			err = os.Rename(from, to)
		default:
			fmt.Printf("unknown op %q\n", op)
			os.Exit(2)
		}
		switch {
		case want && err == nil:
			fmt.Printf("%s: ok %s\n", op, detail)
		case want:
			fmt.Printf("%s: FAILED: %v\n", op, err)
			unexpected++
		case err != nil:
			fmt.Printf("%s: denied: %v\n", op, err)
		default:
			fmt.Printf("%s: SUCCEEDED %s\n", op, detail)
			unexpected++
		}
	}
	if unexpected > 0 {
		os.Exit(1)
	}
}
