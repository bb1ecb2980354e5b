// Goroutines, channels, sync.WaitGroup, sync.Mutex, sync.Once, a pipeline and a worker pool:
// only deterministic results are printed.
package main

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
)

func main() {
	// 50 goroutines increment a mutex-protected counter 1000 times each.
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Println("mutex counter:", counter)

	// Atomics and Once.
	var hits int64
	var once sync.Once
	onceRuns := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			atomic.AddInt64(&hits, 2)
			once.Do(func() { onceRuns++ })
		}()
	}
	wg.Wait()
	fmt.Println("atomic:", hits, "once ran:", onceRuns)

	// A three-stage pipeline over unbuffered channels.
	gen := make(chan int)
	sq := make(chan int)
	go func() {
		for i := 1; i <= 100; i++ {
			gen <- i
		}
		close(gen)
	}()
	go func() {
		for v := range gen {
			sq <- v * v
		}
		close(sq)
	}()
	sum := 0
	for v := range sq {
		sum += v
	}
	fmt.Println("pipeline sum of squares 1..100:", sum)

	// A worker pool with buffered channels; results sorted.
	jobs := make(chan int, 10)
	results := make(chan string, 10)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- fmt.Sprintf("job%02d=%d", j, j*j*j)
			}
		}()
	}
	go func() {
		for j := 0; j < 30; j++ {
			jobs <- j
		}
		close(jobs)
	}()
	go func() { wg.Wait(); close(results) }()
	var got []string
	for r := range results {
		got = append(got, r)
	}
	sort.Strings(got)
	fmt.Println("pool results:", len(got), got[0], got[29])

	// RWMutex and a condition variable handing a token around a ring.
	var rw sync.RWMutex
	shared := map[int]int{}
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rw.Lock()
			shared[i] = i * 10
			rw.Unlock()
			rw.RLock()
			_ = shared[i]
			rw.RUnlock()
		}(i)
	}
	wg.Wait()
	fmt.Println("rwmutex map size:", len(shared))

	cond := sync.NewCond(&mu)
	turn := 0
	var order []int
	for i := 4; i >= 0; i-- {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			mu.Lock()
			for turn != id {
				cond.Wait()
			}
			order = append(order, id)
			turn++
			cond.Broadcast()
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	fmt.Println("cond order:", order)

	// select over several ready channels, closed channel semantics.
	done := make(chan struct{})
	close(done)
	v, ok := <-done
	fmt.Println("receive from closed:", v, ok)
	defer func() {
		fmt.Println("recovered:", recover())
	}()
	var nilMap map[string]int
	nilMap["x"] = 1
}
