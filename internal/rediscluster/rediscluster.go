// Package rediscluster starts a local Redis Cluster for tests: a few
// masters, each a redis-server process on free loopback ports with its own
// temporary directory, joined with `redis-cli --cluster create`. It is for
// tests that prove rythme runs on a cluster; it never touches a Redis it
// did not start, and Close stops every process it started.
package rediscluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNoRedisServer is returned by Start when redis-server or redis-cli is
// not installed.
var ErrNoRedisServer = errors.New("rediscluster: redis-server and redis-cli are needed (apt-get install redis-server)")

// node is one redis-server process; exited is closed when it has exited.
type node struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// Cluster is a running local Redis Cluster.
type Cluster struct {
	Addrs []string // host:port of each master
	nodes []node
	dir   string
}

// Start starts masters (at least 3, as Redis Cluster requires) redis-server
// processes in cluster mode, with no persistence, under dir, and joins
// them into one cluster whose 16384 slots are split between them. It
// returns once every node reports cluster_state:ok.
func Start(ctx context.Context, dir string, masters int) (*Cluster, error) {
	if masters < 3 {
		return nil, fmt.Errorf("rediscluster: %d masters; Redis Cluster needs at least 3", masters)
	}
	server, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	c := &Cluster{dir: dir}
	for i := range masters {
		if err := c.startNode(ctx, server, i); err != nil {
			c.Close()
			return nil, err
		}
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		c.Close()
		return nil, fmt.Errorf("rediscluster: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.waitOK(ctx, 30*time.Second); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// startNode starts one node on a free port whose cluster bus port (the
// port + 10000) is free too; it tries other ports when one is taken
// between the check and the start.
func (c *Cluster) startNode(ctx context.Context, server string, i int) error {
	var lastErr error
	for range 10 {
		port, err := freePort()
		if err != nil {
			return err
		}
		nodeDir := filepath.Join(c.dir, fmt.Sprintf("node%d-%d", i, port))
		if err := os.MkdirAll(nodeDir, 0o700); err != nil {
			return err
		}
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(nodeDir, "nodes.conf"),
			"--cluster-node-timeout", "5000", "--dir", nodeDir, "--save", "", "--appendonly", "no",
			"--logfile", filepath.Join(nodeDir, "redis.log"), "--protected-mode", "no")
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("rediscluster: start redis-server: %w", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if err := waitPing(ctx, addr, exited); err != nil {
			cmd.Process.Kill()
			<-exited
			log, _ := os.ReadFile(filepath.Join(nodeDir, "redis.log"))
			lastErr = fmt.Errorf("rediscluster: node on %s: %w\n%s", addr, err, log)
			continue
		}
		c.nodes = append(c.nodes, node{cmd, exited})
		c.Addrs = append(c.Addrs, addr)
		return nil
	}
	return lastErr
}

// freePort returns a loopback port that is free, and whose cluster bus
// port (+10000) is free as well.
func freePort() (int, error) {
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		bus.Close()
		return port, nil
	}
	return 0, errors.New("rediscluster: no free port pair found")
}

func waitPing(ctx context.Context, addr string, exited <-chan struct{}) error {
	rc := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return errors.New("redis-server exited")
		default:
		}
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err := rc.Ping(pctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("no answer to PING: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitOK waits until every node says cluster_state:ok and knows every
// other node.
func (c *Cluster) waitOK(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for _, addr := range c.Addrs {
		rc := redis.NewClient(&redis.Options{Addr: addr})
		for {
			info, err := rc.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(len(c.Addrs))) {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				rc.Close()
				return fmt.Errorf("rediscluster: %s not ok within %s: %v %s", addr, within, err, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
		rc.Close()
	}
	return nil
}

// KeysPerNode returns how many keys each master holds, by address.
func (c *Cluster) KeysPerNode(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(c.Addrs))
	for _, addr := range c.Addrs {
		rc := redis.NewClient(&redis.Options{Addr: addr})
		n, err := rc.DBSize(ctx).Result()
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("rediscluster: DBSIZE on %s: %w", addr, err)
		}
		out[addr] = n
	}
	return out, nil
}

// Close stops every node and waits for it to exit; the directories stay
// (the caller made them).
func (c *Cluster) Close() {
	for _, n := range c.nodes {
		n.cmd.Process.Kill()
	}
	for _, n := range c.nodes {
		<-n.exited
	}
	c.nodes = nil
}
