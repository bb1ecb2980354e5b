// Allocates 1 GiB and touches every page; under a memory limit the Go runtime must fail
// with its "out of memory" error instead of the host dying.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("allocating 1 GiB")
	b := make([]byte, 1<<30)
	for i := 0; i < len(b); i += 4096 {
		b[i] = byte(i)
	}
	sum := 0
	for i := 0; i < len(b); i += 1 << 20 {
		sum += int(b[i])
	}
	fmt.Println("allocated and touched", len(b), sum)
	os.Exit(0)
}
