package sdk

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal asks the kernel to kill the plugin if the host dies
// without stopping it (SIGKILL, a crash): a safety net under Kill.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
