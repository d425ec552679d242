// Go's channels on the shapes of `cargo bench --bench channel`, so Go's ns/msg can sit next to
// gort's and the Rust peers'. Run with ./run.sh (GOMAXPROCS=2, the Rust runtimes' 2 workers).
//
// Go has no unbounded channel: the `unbounded` row uses a buffer as large as the message count,
// so the sender never waits (the nearest Go shape).
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"
)

const (
	pingPongs        = 10000
	producers        = 4
	perProducer      = 250000
	capacity         = 1024
	unboundedMsgs    = 1000000
	selectPerChannel = 250000
)

func pingPong(capacity int) int {
	a, b := make(chan int, capacity), make(chan int, capacity)
	go func() {
		for v := range a {
			b <- v
		}
	}()
	for i := 0; i < pingPongs; i++ {
		a <- i
		<-b
	}
	close(a)
	return pingPongs
}

// manyToMany: `producers` senders of `perProducer` values each into one buffered channel,
// drained by `consumers` receivers; checks the count.
func manyToMany(consumers int) int {
	ch := make(chan int, capacity)
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perProducer; i++ {
				ch <- i
			}
		}()
	}
	go func() { wg.Wait(); close(ch) }()
	counts := make(chan int)
	for c := 0; c < consumers; c++ {
		go func() {
			n := 0
			for range ch {
				n++
			}
			counts <- n
		}()
	}
	total := 0
	for c := 0; c < consumers; c++ {
		total += <-counts
	}
	if total != producers*perProducer {
		panic(fmt.Sprintf("received %d values", total))
	}
	return total
}

func unbounded() int {
	ch := make(chan int, unboundedMsgs)
	go func() {
		for i := 0; i < unboundedMsgs; i++ {
			ch <- i
		}
		close(ch)
	}()
	n := 0
	for range ch {
		n++
	}
	return n
}

func selectTwo() int {
	a, b := make(chan int, capacity), make(chan int, capacity)
	feed := func(ch chan int) {
		for i := 0; i < selectPerChannel; i++ {
			ch <- i
		}
		close(ch)
	}
	go feed(a)
	go feed(b)
	n := 0
	for a != nil || b != nil {
		select {
		case _, ok := <-a:
			if !ok {
				a = nil
			} else {
				n++
			}
		case _, ok := <-b:
			if !ok {
				b = nil
			} else {
				n++
			}
		}
	}
	if n != 2*selectPerChannel {
		panic(fmt.Sprintf("received %d values", n))
	}
	return n
}

// measure runs `work` (returning messages moved) repeatedly for about `budget` and prints the
// best ns/msg of the runs, as the Rust rows' lower bound, and the median.
func measure(name string, budget time.Duration, work func() int) {
	work() // warm-up
	var runs []float64
	start := time.Now()
	for len(runs) < 3 || (time.Since(start) < budget && len(runs) < 50) {
		t := time.Now()
		n := work()
		runs = append(runs, float64(time.Since(t).Nanoseconds())/float64(n))
	}
	sort.Float64s(runs)
	fmt.Printf("%-22s median %8.1f ns/msg   best %8.1f ns/msg   (%d runs)\n",
		name, runs[len(runs)/2], runs[0], len(runs))
}

func main() {
	budget := 3 * time.Second
	if len(os.Args) > 1 {
		if d, err := time.ParseDuration(os.Args[1]); err == nil {
			budget = d
		}
	}
	fmt.Printf("go %s, GOMAXPROCS=%d\n", runtime.Version(), runtime.GOMAXPROCS(0))
	measure("ping_pong/1", budget, func() int { return pingPong(1) })
	measure("ping_pong/0", budget, func() int { return pingPong(0) })
	measure("mpsc_throughput", budget, func() int { return manyToMany(1) })
	measure("mpmc_throughput", budget, func() int { return manyToMany(4) })
	measure("unbounded_throughput", budget, unbounded)
	measure("select_two", budget, selectTwo)
}
