// A small program for the multi-stage lesson: it prints a line and the Go version it was built with.
package main

import (
	"fmt"
	"os"
	"runtime"
)

func main() {
	name, err := os.Hostname()
	if err != nil {
		name = "somewhere"
	}
	fmt.Printf("Hello from a tiny image, running on %s.\n", name)
	fmt.Printf("Built with %s; no compiler came along.\n", runtime.Version())
}
