// The smallest program: one line on stdout, one on stderr, exit 0.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("hello from Go")
	fmt.Fprintln(os.Stderr, "hello on stderr")
}
