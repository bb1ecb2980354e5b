// Sleeps far longer than any test timeout: the host's --timeout must stop it.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("sleeping")
	time.Sleep(time.Hour)
	fmt.Println("woke up: must not happen")
}
