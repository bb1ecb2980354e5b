// Prints os.Args[1:] and the environment: a few variables by name, then the whole of
// os.Environ sorted (the harness controls it completely, under node and webcontainer alike).
package main

import (
	"fmt"
	"os"
	"sort"
)

func main() {
	fmt.Printf("argc=%d\n", len(os.Args))
	for i, a := range os.Args[1:] {
		fmt.Printf("arg[%d]=%q\n", i+1, a)
	}
	for _, k := range []string{"GREETING", "EMPTY", "SPACES", "UNSET_VAR"} {
		v, ok := os.LookupEnv(k)
		fmt.Printf("lookup %s: %q %v\n", k, v, ok)
	}
	env := os.Environ()
	sort.Strings(env)
	fmt.Printf("environ (%d):\n", len(env))
	for _, kv := range env {
		fmt.Printf("  %q\n", kv)
	}
}
