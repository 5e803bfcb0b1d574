package chaos

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("chaos: free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// server is a child process that can be killed and started again with the
// same arguments.
type server struct {
	name string
	path string
	args []string
	dir  string
	cred *syscall.Credential
	log  *os.File

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("chaos: %s is already running", s.name)
	}
	cmd := exec.Command(s.path, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = s.log, s.log
	// Its own process group, so that a signal to the test does not reach
	// it; and killed if the test process dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: s.cred}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("chaos: start %s: %w", s.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done
	return nil
}

// signal sends sig and waits up to wait for the process to exit, then
// kills it.
func (s *server) signal(sig syscall.Signal, wait time.Duration) {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd, s.done = nil, nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Redis is a redis-server of the suite's own, without persistence: a
// restart loses every key, as a crash of a cache-only Redis does.
type Redis struct {
	Port    int
	Version string
	srv     *server
}

// StartRedis starts redis-server (PATH, /usr/bin, /usr/local/bin) on a free port, with its
// files and log in dir.
func StartRedis(dir string) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	for _, p := range []string{"/usr/bin/redis-server", "/usr/local/bin/redis-server"} {
		if err != nil {
			if _, serr := os.Stat(p); serr == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("chaos: redis-server not found (PATH, /usr/bin, /usr/local/bin): %w", err)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "redis.log"))
	if err != nil {
		return nil, err
	}
	r := &Redis{Port: port, srv: &server{name: "redis-server", path: bin, dir: dir, log: logf,
		args: []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", dir, "--maxclients", "2000"}}}
	if out, err := exec.Command(bin, "--version").Output(); err == nil {
		r.Version = strings.TrimSpace(string(out))
	}
	if err := r.Start(context.Background()); err != nil {
		return nil, err
	}
	return r, nil
}

// URL is the server's redis:// URL, database 0.
func (r *Redis) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.Port) }

// Start starts the server (again) and waits until it answers PING.
func (r *Redis) Start(ctx context.Context) error {
	if err := r.srv.start(); err != nil {
		return err
	}
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port)})
	defer c.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := c.Ping(ctx).Err()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chaos: redis-server on port %d does not answer: %w", r.Port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill stops the server with SIGKILL: every key is gone.
func (r *Redis) Kill() { r.srv.signal(syscall.SIGKILL, 10*time.Second) }

// Stop shuts the server down.
func (r *Redis) Stop() { r.srv.signal(syscall.SIGTERM, 10*time.Second) }

// FlushAll wipes every key, as an operator's FLUSHALL does.
func (r *Redis) FlushAll(ctx context.Context) error {
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port)})
	defer c.Close()
	if err := c.FlushAll(ctx).Err(); err != nil {
		return fmt.Errorf("chaos: flushall: %w", err)
	}
	return nil
}

// SweepStates returns the asynq state of rythme's sweep tasks by task id
// ("" when there is none). They have fixed ids: one left archived blocks
// every later one.
func (r *Redis) SweepStates(ctx context.Context) (map[string]string, error) {
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.Port)})
	defer c.Close()
	out := map[string]string{}
	for _, id := range []string{"sweep:reconcile", "sweep:tokens"} {
		v, err := c.HGet(ctx, "asynq:{system}:t:"+id, "state").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("chaos: state of %s: %w", id, err)
		}
		out[id] = v
	}
	return out, nil
}

// Postgres is a PostgreSQL cluster of the suite's own, made with initdb in
// a temporary directory. PostgreSQL refuses to run as root: when the
// suite runs as root, the cluster belongs to the OS user postgres.
type Postgres struct {
	Port    int
	Version string
	srv     *server
}

// findPostgres returns the directory of initdb and postgres: on PATH,
// /usr/local/bin, or the newest /usr/lib/postgresql/*/bin.
func findPostgres() (string, error) {
	cands := []string{}
	if p, err := exec.LookPath("initdb"); err == nil {
		cands = append(cands, p)
	}
	cands = append(cands, "/usr/local/bin/initdb")
	globbed, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Sort(sort.Reverse(sort.StringSlice(globbed)))
	cands = append(cands, globbed...)
	for _, c := range cands {
		real, err := filepath.EvalSymlinks(c)
		if err != nil {
			continue
		}
		dir := filepath.Dir(real)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("chaos: initdb and postgres not found (PATH, /usr/local/bin, /usr/lib/postgresql/*/bin)")
}

// StartPostgres makes a cluster in dir/pg (trust authentication, user
// postgres) and starts it on a free port on 127.0.0.1, its socket in the
// same directory.
func StartPostgres(dir string) (*Postgres, error) {
	bin, err := findPostgres()
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	uid, gid := -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("chaos: running as root and there is no OS user postgres to run PostgreSQL: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	home := filepath.Join(dir, "pg")
	data := filepath.Join(home, "data")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(home, uid, gid); err != nil {
			return nil, fmt.Errorf("chaos: give %s to postgres: %w", home, err)
		}
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--no-locale", "--no-sync")
	initdb.Dir = home
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("chaos: initdb: %w\n%s", err, out)
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		return nil, err
	}
	// fsync off: a process crash (what the suite does) loses nothing
	// committed, only a machine crash would. synchronous_commit stays on.
	p := &Postgres{Port: port, srv: &server{name: "postgres", path: filepath.Join(bin, "postgres"), dir: home, cred: cred, log: logf,
		args: []string{"-D", data, "-p", strconv.Itoa(port), "-k", home, "-c", "listen_addresses=127.0.0.1",
			"-c", "max_connections=300", "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=64MB"}}}
	if out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output(); err == nil {
		p.Version = strings.TrimSpace(string(out))
	}
	if err := p.Start(context.Background()); err != nil {
		return nil, err
	}
	return p, nil
}

// URL is the URL of database db on the cluster.
func (p *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Start starts the server (again; after a crash it replays its WAL) and
// waits until it accepts connections.
func (p *Postgres) Start(ctx context.Context) error {
	if err := p.srv.start(); err != nil {
		return err
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		err := p.ping(ctx)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chaos: postgres on port %d does not accept connections: %w", p.Port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (p *Postgres) ping(ctx context.Context) error {
	db, err := sql.Open("pgx", p.URL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Crash stops the server as `pg_ctl stop -m immediate` does (SIGQUIT):
// no checkpoint, every connection cut; the next start recovers from the
// WAL as after a crash.
func (p *Postgres) Crash() { p.srv.signal(syscall.SIGQUIT, 30*time.Second) }

// Stop shuts the server down (fast shutdown, SIGINT).
func (p *Postgres) Stop() { p.srv.signal(syscall.SIGINT, 30*time.Second) }

// CreateDatabase creates database name and returns its URL.
func (p *Postgres) CreateDatabase(ctx context.Context, name string) (string, error) {
	db, err := sql.Open("pgx", p.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("chaos: create database %s: %w", name, err)
	}
	return p.URL(name), nil
}
