//go:build !linux

package sdk

import "os/exec"

// setParentDeathSignal has no portable equivalent off Linux; Kill remains
// the way plugins are stopped.
func setParentDeathSignal(*exec.Cmd) {}
