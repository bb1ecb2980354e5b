// Two goroutines pass a counter back and forth 100000 times over unbuffered channels.
package main

import "fmt"

func main() {
	const N = 100000
	ping, pong := make(chan int), make(chan int)
	done := make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	go func() {
		last := 0
		for i := 0; i < N; i++ {
			ping <- last
			last = <-pong
		}
		close(ping)
		done <- last
	}()
	fmt.Println("messages:", 2*N, "final:", <-done)
}
