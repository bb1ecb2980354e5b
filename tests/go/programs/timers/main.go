// Timers: time.Sleep, time.After, time.NewTicker, time.AfterFunc, select with timeouts and
// context.WithTimeout. Prints orderings and "elapsed >= N" facts, never raw durations.
package main

import (
	"context"
	"fmt"
	"time"
)

func atLeast(start time.Time, d time.Duration) bool { return time.Since(start) >= d }

func main() {
	start := time.Now()
	time.Sleep(50 * time.Millisecond)
	fmt.Println("sleep 50ms: elapsed >= 50ms:", atLeast(start, 50*time.Millisecond))

	// Three sleepers finish in the order of their durations (gaps of 80ms and more, so a
	// late host timer on a loaded machine does not wake two at once).
	order := make(chan string, 3)
	for _, d := range []int{200, 20, 100} {
		go func(ms int) {
			time.Sleep(time.Duration(ms) * time.Millisecond)
			order <- fmt.Sprintf("%dms", ms)
		}(d)
	}
	fmt.Println("sleepers woke in order:", <-order, <-order, <-order)

	// select: a ready channel beats a timeout; a never-ready channel loses to it.
	ready := make(chan int, 1)
	ready <- 7
	select {
	case v := <-ready:
		fmt.Println("select ready value:", v)
	case <-time.After(time.Second):
		fmt.Println("select: timeout (wrong)")
	}
	never := make(chan int)
	start = time.Now()
	select {
	case <-never:
		fmt.Println("select never: value (wrong)")
	case <-time.After(30 * time.Millisecond):
		fmt.Println("select never: timed out, elapsed >= 30ms:", atLeast(start, 30*time.Millisecond))
	}

	// A ticker ticks 3 times, then stops.
	start = time.Now()
	t := time.NewTicker(20 * time.Millisecond)
	ticks := 0
	for range t.C {
		ticks++
		if ticks == 3 {
			break
		}
	}
	t.Stop()
	fmt.Println("ticker: 3 ticks, elapsed >= 60ms:", atLeast(start, 60*time.Millisecond))

	// AfterFunc fires; a stopped timer does not.
	fired := make(chan string, 2)
	time.AfterFunc(10*time.Millisecond, func() { fired <- "afterfunc" })
	stopped := time.AfterFunc(20*time.Millisecond, func() { fired <- "stopped timer (wrong)" })
	fmt.Println("stop before firing:", stopped.Stop())
	fmt.Println("fired:", <-fired)
	time.Sleep(40 * time.Millisecond)
	select {
	case f := <-fired:
		fmt.Println("extra:", f)
	default:
		fmt.Println("no extra timer fired")
	}

	// Timer.Reset.
	tm := time.NewTimer(time.Hour)
	start = time.Now()
	tm.Reset(25 * time.Millisecond)
	<-tm.C
	fmt.Println("reset timer fired, elapsed >= 25ms:", atLeast(start, 25*time.Millisecond))

	// context.WithTimeout and WithCancel.
	start = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	<-ctx.Done()
	fmt.Println("context:", ctx.Err(), "elapsed >= 50ms:", atLeast(start, 50*time.Millisecond))
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel2() }()
	<-ctx2.Done()
	fmt.Println("context:", ctx2.Err())

	// Monotonic clock keeps going; wall clock is after 2020.
	a := time.Now()
	time.Sleep(time.Millisecond)
	fmt.Println("monotonic increases:", time.Now().After(a), "year >= 2020:", a.Year() >= 2020)
}
