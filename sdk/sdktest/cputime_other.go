//go:build !unix

package sdktest

import "time"

// ProcessCPU cannot tell the process's CPU time here.
func ProcessCPU() (time.Duration, bool) { return 0, false }
