// The Go side of benches/servers/run.sh: the same servers as examples/bench_server.rs, on Go's
// runtime (goroutine per connection, the netpoller), for a side-by-side baseline.
//
//	go build -o go_bench_server . && GOMAXPROCS=2 ./go_bench_server -server echo -addr 127.0.0.1:8080
//
// Servers: "echo" (echoes whatever it reads, 16 KiB buffer, as benches/servers/echo.rs), "http"
// (the raw HTTP/1.1 hello of benches/servers/http_raw.rs, same loop) and "nethttp" (a net/http
// hello handler, Go's counterpart of benches/servers/hyper_hello.rs). Exits after -exit-after.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

// httpHello is the fixed reply of the raw server, byte for byte the Rust servers' reply.
var httpHello = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, world!")

func main() {
	server := flag.String("server", "echo", "echo, http or nethttp")
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	exitAfter := flag.Duration("exit-after", 0, "exit after this long (0: never)")
	flag.Parse()
	if *exitAfter > 0 {
		time.AfterFunc(*exitAfter, func() { os.Exit(0) })
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	switch *server {
	case "echo":
		serve(ln, echo)
	case "http":
		serve(ln, rawHTTP)
	case "nethttp":
		hello := []byte("Hello, world!")
		log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.Write(hello)
		})))
	default:
		log.Fatalf("unknown -server %q: use echo, http or nethttp", *server)
	}
}

// serve accepts forever and runs handle on each connection in its own goroutine.
func serve(ln net.Listener, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		c.(*net.TCPConn).SetNoDelay(true)
		go func() {
			defer c.Close()
			handle(c)
		}()
	}
}

// echo writes back whatever it reads until the peer closes.
func echo(c net.Conn) {
	buf := make([]byte, 16*1024)
	for {
		n, err := c.Read(buf)
		if n == 0 || err != nil {
			return
		}
		if _, err := c.Write(buf[:n]); err != nil {
			return
		}
	}
}

// rawHTTP answers every complete request header block (CRLF CRLF) with httpHello, pipelined
// requests in one write.
func rawHTTP(c net.Conn) {
	buf := make([]byte, 8*1024)
	out := make([]byte, 0, 4*1024)
	filled := 0
	end := []byte("\r\n\r\n")
	for {
		if filled == len(buf) {
			return // a request header larger than 8 KiB: not this benchmark's traffic
		}
		n, err := c.Read(buf[filled:])
		if n == 0 || err != nil {
			return
		}
		filled += n
		start := 0
		for {
			i := bytes.Index(buf[start:filled], end)
			if i < 0 {
				break
			}
			out = append(out, httpHello...)
			start += i + 4
		}
		copy(buf, buf[start:filled])
		filled -= start
		if len(out) > 0 {
			if _, err := c.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
	}
}
