package chaos

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Proc is one rythme process (`rythme serve`, `rythme work`, `rythme
// fakenet`) that the suite can kill with SIGKILL and start again with the
// same command line and environment. Its output is appended to a log file
// across restarts.
type Proc struct {
	Name string
	bin  string
	args []string
	env  []string
	log  *os.File

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	expected bool // the exit about to happen was asked for
	starts   int
	kills    int
	crashes  []string
}

// NewProc prepares a process running bin with args, its environment the
// test's plus env, its output appended to logPath. Start runs it.
func NewProc(name, bin, logPath string, env []string, args ...string) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chaos: log of %s: %w", name, err)
	}
	return &Proc{Name: name, bin: bin, args: args, env: append(os.Environ(), env...), log: f}, nil
}

// Start runs the process; it is an error if it runs already.
func (p *Proc) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd != nil {
		return fmt.Errorf("chaos: %s is already running", p.Name)
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = p.log, p.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(p.log, "--- chaos: start %s at %s\n", p.Name, time.Now().UTC().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("chaos: start %s: %w", p.Name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.expected = cmd, done, false
	p.starts++
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		if !p.expected {
			p.crashes = append(p.crashes, fmt.Sprintf("%s exited by itself at %s: %v", p.Name, time.Now().UTC().Format(time.RFC3339), err))
		}
		if p.cmd == cmd {
			p.cmd, p.done = nil, nil
		}
		p.mu.Unlock()
		fmt.Fprintf(p.log, "--- chaos: %s exited at %s: %v\n", p.Name, time.Now().UTC().Format(time.RFC3339Nano), err)
		close(done)
	}()
	return nil
}

// Kill9 kills the process with SIGKILL, at whatever it was doing, and
// waits for it to be gone.
func (p *Proc) Kill9() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return fmt.Errorf("chaos: %s is not running", p.Name)
	}
	p.expected = true
	p.kills++
	p.mu.Unlock()
	fmt.Fprintf(p.log, "--- chaos: kill -9 %s at %s\n", p.Name, time.Now().UTC().Format(time.RFC3339Nano))
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("chaos: kill %s: %w", p.Name, err)
	}
	<-done
	return nil
}

// Stop asks the process to stop (SIGTERM) and kills it after wait.
func (p *Proc) Stop(wait time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return
	}
	p.expected = true
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Close stops the process and closes its log.
func (p *Proc) Close() {
	p.Stop(15 * time.Second)
	p.log.Close()
}

// Crashes lists the times the process exited without being asked to.
func (p *Proc) Crashes() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.crashes...)
}

// Kills is how many times Kill9 killed it.
func (p *Proc) Kills() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.kills
}

// Tail returns the last n bytes of the process's log.
func (p *Proc) Tail(n int64) string {
	f, err := os.Open(p.log.Name())
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	if i := bytes.IndexByte(b, '\n'); i >= 0 && int64(len(b)) >= n {
		b = b[i+1:]
	}
	return string(b)
}

// LogPath is the file the process writes to.
func (p *Proc) LogPath() string { return p.log.Name() }
