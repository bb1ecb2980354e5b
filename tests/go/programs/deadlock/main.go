// Every goroutine blocked: "fatal error: all goroutines are asleep - deadlock!", exit 2.
package main

import "fmt"

func main() {
	fmt.Println("waiting on a channel nobody writes")
	ch := make(chan int)
	<-ch
}
