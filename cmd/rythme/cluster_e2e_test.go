package main_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rythmehq/rythme/internal/rediscluster"
	"github.com/rythmehq/rythme/sqlstore/storetest"
)

// TestRedisCluster runs rythme on a Redis Cluster of 3 masters (issue 17):
// one `serve` and two `work` processes with REDIS_CLUSTER_ADDRS, on
// PostgreSQL, publishing to fakenet's Mastodon and Bluesky — two publish
// queues, so two hash tags, plus the sweeps' queue, the rate limits and
// the account locks, whose keys land on different masters. Every post
// reaches its network once, none before its time, none lost; and every
// master holds some of the keys, so the cluster really was shared.
func TestRedisCluster(t *testing.T) {
	t.Parallel()
	if binary == "" {
		t.Skip("-short: the end-to-end tests that start the rythme binary do not run")
	}
	ctx := context.Background()
	cl, err := rediscluster.Start(ctx, t.TempDir(), 3)
	if errors.Is(err, rediscluster.ErrNoRedisServer) {
		storetest.Unreachable(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)

	fakenet := freeAddr(t)
	start(t, []string{"FAKENET_ADDR=" + fakenet}, "fakenet")
	api := freeAddr(t)
	env := []string{"DATABASE_URL=" + storetest.PostgresSchema(t), "REDIS_URL=", "REDIS_SENTINEL_ADDRS=",
		// Two nodes are enough to find the third.
		"REDIS_CLUSTER_ADDRS=" + strings.Join(cl.Addrs[:2], ","),
		"RYTHME_SECRET_KEY=8J1rbrkTW5y8qBmnbJwhhXHnZ2Z0HKkx0vxPqEJ5mXw=", "RYTHME_BOOTSTRAP_TOKEN=" + adminToken,
		"RYTHME_RECONCILE_INTERVAL=1s", "RYTHME_ALLOW_PRIVATE_NETWORKS=127.0.0.0/8", "RYTHME_FAKENET_URL=http://" + fakenet}
	apiEnv := append([]string{"RYTHME_ADDR=" + api}, env...)
	m := exec.Command(binary, "migrate")
	m.Env = append(os.Environ(), apiEnv...)
	if out, err := m.CombinedOutput(); err != nil {
		t.Fatalf("rythme migrate: %v\n%s", err, out)
	}
	start(t, apiEnv, "serve")
	workEnv := append([]string{"RYTHME_PUBLIC_URL=http://" + api}, env...)
	start(t, workEnv, "work")
	start(t, workEnv, "work")
	waitHTTP(t, "http://"+api+"/readyz", 30*time.Second)
	waitHTTP(t, "http://"+fakenet+"/_fakenet/posts", 10*time.Second)
	c := newClient(t, "http://"+api, adminToken)

	var accounts []string
	for i := range 4 {
		accounts = append(accounts, connectOAuth(t, c, "http://"+api, "mastodon",
			map[string]string{"instance_url": "http://" + fakenet + "/mastodon"}, fmt.Sprintf("cluster%d", i)))
	}
	for i := range 2 {
		var pw struct {
			Identifier string `json:"identifier"`
			Password   string `json:"app_password"`
		}
		resp, err := http.Post(fmt.Sprintf("http://%s/bluesky/_fakenet/app-password?user=cluster%d", fakenet, i), "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&pw)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, connectDirect(t, c, "bluesky", map[string]string{"identifier": pw.Identifier, "app_password": pw.Password}))
	}

	// 120 posts, due evenly over 6 s from 5 s from now; on a loaded
	// machine, where making them takes longer, each is due at least 2 s
	// after it was made (a post's time is never in the past).
	const posts = 120
	first := time.Now().Add(5 * time.Second).UTC().Truncate(time.Millisecond)
	due := map[string]time.Time{} // by text
	last := first
	for i := range posts {
		at := first.Add(time.Duration(i) * 50 * time.Millisecond)
		if soon := time.Now().Add(2 * time.Second).UTC().Truncate(time.Millisecond); at.Before(soon) {
			at = soon
		}
		text := fmt.Sprintf("cluster post %03d", i)
		var p post
		c.call("POST", "/v1/posts", map[string]any{"content": text, "scheduled_at": at.Format(time.RFC3339Nano),
			"targets": []map[string]string{{"account_id": accounts[i%len(accounts)]}}}, 201, &p)
		due[text] = at
		last = at
	}

	deadline := last.Add(60 * time.Second)
	var recs []record
	for {
		recs = fakenetPosts(t, fakenet)
		if created(recs) >= posts || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // room for a duplicate
	recs = fakenetPosts(t, fakenet)
	seen := map[string]int{}
	early := 0
	for _, r := range recs {
		at, ok := due[r.Text]
		if !ok || !r.Created {
			continue
		}
		seen[r.Text]++
		if r.ReceivedAt.Before(at) {
			early++
			t.Errorf("%q reached the network %s early", r.Text, at.Sub(r.ReceivedAt))
		}
	}
	lost, dupes := 0, 0
	for text := range due {
		switch n := seen[text]; {
		case n == 0:
			lost++
		case n > 1:
			dupes += n - 1
		}
	}
	t.Logf("%d posts on a 3-master Redis Cluster: %d lost, %d duplicates, %d early", posts, lost, dupes, early)
	if lost != 0 || dupes != 0 || early != 0 {
		t.Fatalf("%d lost, %d duplicates, %d early; want 0, 0, 0", lost, dupes, early)
	}

	keys, err := cl.KeysPerNode(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("keys per master: %v", keys)
	for addr, n := range keys {
		if n == 0 {
			t.Errorf("master %s holds no key: the cluster was not shared (%v)", addr, keys)
		}
	}
}

func fakenetPosts(t *testing.T, addr string) []record {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/_fakenet/posts")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var recs []record
	if err := json.NewDecoder(resp.Body).Decode(&recs); err != nil {
		t.Fatalf("fakenet record: %v", err)
	}
	return recs
}

func created(recs []record) int {
	n := 0
	for _, r := range recs {
		if r.Created {
			n++
		}
	}
	return n
}
