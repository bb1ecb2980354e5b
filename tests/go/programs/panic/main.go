// An unrecovered panic: Go prints "panic: boom" and the goroutine trace, exit code 2.
package main

import "fmt"

func main() {
	fmt.Println("before panic")
	panic("boom")
}
