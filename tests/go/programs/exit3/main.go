// os.Exit(3) after some output: the code reaches the host, deferred calls do not run.
package main

import (
	"fmt"
	"os"
)

func main() {
	defer fmt.Println("deferred: must not print")
	fmt.Println("about to exit 3")
	fmt.Fprintln(os.Stderr, "stderr before exit")
	os.Exit(3)
}
