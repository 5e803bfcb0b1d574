package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestReadmeDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range envVars {
		if !strings.Contains(string(b), "| `"+v.name+"` |") {
			t.Errorf("README's configuration table lacks %s", v.name)
		}
	}
}

func TestConfigDefaultsFlagsAndErrors(t *testing.T) {
	c, err := loadConfig(env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.PublicURL != "http://127.0.0.1:8080" || c.Horizon != time.Hour || c.DataDir != "./rythme-data" {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = loadConfig(env(map[string]string{"RYTHME_ADDR": "0.0.0.0:9000", "RYTHME_HORIZON": "2h"}), []string{"--addr=127.0.0.1:7000", "--rythme-poll-interval=50ms"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.Horizon != 2*time.Hour || c.PollInterval != 50*time.Millisecond {
		t.Fatalf("flags should override the environment: %+v", c)
	}
	// fakenet's own settings by their short names: rythme fakenet --latency=…
	c, err = loadConfig(env(map[string]string{"FAKENET_LATENCY": "1s"}), []string{"--latency=mastodon=250ms/800ms", "--seed=7"})
	if err != nil {
		t.Fatal(err)
	}
	if c.FakenetLatency != "mastodon=250ms/800ms" || c.FakenetSeed != 7 || c.Addr != "127.0.0.1:8080" {
		t.Fatalf("fakenet flags: %+v", c)
	}
	for _, bad := range []map[string]string{
		{"RYTHME_HORIZON": "soon"},
		{"RYTHME_LOG_FORMAT": "xml"},
		{"FAKENET_LATENCY": "800ms/250ms"},
		{"RYTHME_PUBLIC_URL": "ftp://x"},
		{"REDIS_SENTINEL_ADDRS": "a:1"},
		{"RYTHME_CONCURRENCY": "mastodon=lots"},
		{"RYTHME_BOOTSTRAP_TOKEN": "short"},
		{"REDIS_CLUSTER_ADDRS": "127.0.0.1:7000,nohostport"},
		{"RYTHME_READINGS_RETENTION": "0"},
		{"RYTHME_READINGS_RETENTION": "forever"},
		{"RYTHME_STAGE_AHEAD": "-1s"},
		{"RYTHME_STAGE_AHEAD": "1h"},
		{"RYTHME_CLAIM_AHEAD": "-1s"},
		{"RYTHME_CLAIM_AHEAD": "2m"},
		{"REDIS_CLUSTER_ADDRS": "redis://127.0.0.1:7000?no_such_option=1"},
		{"REDIS_CLUSTER_ADDRS": "127.0.0.1:7000", "REDIS_URL": "redis://127.0.0.1:6379/0"},
	} {
		if _, err := loadConfig(env(bad), nil); err == nil {
			t.Errorf("loadConfig(%v) accepted a bad value", bad)
		}
	}
	if c, _ := loadConfig(env(map[string]string{"RYTHME_READINGS_RETENTION": "all"}), nil); c.ReadingsRetention != -1 {
		t.Errorf("RYTHME_READINGS_RETENTION=all: %d, want -1", c.ReadingsRetention)
	}
	if c, _ := loadConfig(env(nil), nil); c.StageAhead != 20*time.Second || stageAhead(c) != 20*time.Second {
		t.Errorf("default stage ahead: %s", c.StageAhead)
	}
	if c, _ := loadConfig(env(nil), nil); claimAhead(c) != 2*time.Second {
		t.Errorf("default claim ahead: %s", c.ClaimAhead)
	}
	if c, err := loadConfig(env(map[string]string{"RYTHME_CLAIM_AHEAD": "0"}), nil); err != nil || claimAhead(c) >= 0 {
		t.Errorf("RYTHME_CLAIM_AHEAD=0: %s (%v), want none (negative for the worker)", c.ClaimAhead, err)
	}
	if c, err := loadConfig(env(map[string]string{"RYTHME_STAGE_AHEAD": "0"}), nil); err != nil || stageAhead(c) >= 0 {
		t.Errorf("RYTHME_STAGE_AHEAD=0: %s (%v), want none (negative for the worker)", c.StageAhead, err)
	}
	if c, _ := loadConfig(env(map[string]string{"RYTHME_READINGS_RETENTION": "13"}), nil); c.ReadingsRetention != 13 {
		t.Errorf("RYTHME_READINGS_RETENTION=13: %d", c.ReadingsRetention)
	}
	if _, err := loadConfig(env(nil), []string{"--no-such-flag=1"}); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

func TestConfigRedisCluster(t *testing.T) {
	for in, want := range map[string][]string{
		"10.0.0.1:7000, 10.0.0.2:7000":                                    {"10.0.0.1:7000", "10.0.0.2:7000"},
		"redis://:pw@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000": {"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"},
	} {
		c, err := loadConfig(env(map[string]string{"REDIS_CLUSTER_ADDRS": in}), nil)
		if err != nil {
			t.Fatalf("REDIS_CLUSTER_ADDRS=%s: %v", in, err)
		}
		opt, err := clusterOptions(c.ClusterAddrs)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(opt.Addrs, ",") != strings.Join(want, ",") || opt.PoolSize < 64 {
			t.Errorf("REDIS_CLUSTER_ADDRS=%s: addrs %v pool %d, want %v and at least 64", in, opt.Addrs, opt.PoolSize, want)
		}
		if s := c.LogValue().String(); strings.Contains(s, ":pw@") || !strings.Contains(s, "cluster:") {
			t.Errorf("logged config %s: want the cluster, without its password", s)
		}
	}
}

func TestLoggedConfigMasksSecrets(t *testing.T) {
	c, _ := loadConfig(env(map[string]string{"RYTHME_SECRET_KEY": "c2VjcmV0", "DATABASE_URL": "postgres://u:hunter2@db/x",
		"RYTHME_BOOTSTRAP_TOKEN": "rym_supersecret_token"}), nil)
	s := c.LogValue().String()
	for _, secret := range []string{"c2VjcmV0", "hunter2", "rym_supersecret_token"} {
		if strings.Contains(s, secret) {
			t.Errorf("logged config %s shows a secret", s)
		}
	}
}

func TestConfigMetricsSchedule(t *testing.T) {
	c, err := loadConfig(env(map[string]string{"RYTHME_METRICS_SCHEDULE": "5s, 1m,1h", "RYTHME_METRICS_INTERVAL": "2s", "RYTHME_REFRESH_AHEAD": "3h"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MetricsSchedule) != 3 || c.MetricsSchedule[0] != 5*time.Second || c.MetricsSchedule[2] != time.Hour || c.MetricsInterval != 2*time.Second || c.RefreshAhead != 3*time.Hour {
		t.Fatalf("schedule %v, interval %s", c.MetricsSchedule, c.MetricsInterval)
	}
	if c, _ := loadConfig(env(nil), nil); c.MetricsSchedule != nil {
		t.Errorf("without the variable the schedule is %v, want nil (the built-in one)", c.MetricsSchedule)
	}
	for _, bad := range []string{"soon", "1h,15m", "5s,5s", "-1s", "5s,,1m"} {
		_, err := loadConfig(env(map[string]string{"RYTHME_METRICS_SCHEDULE": bad}), nil)
		if err == nil || !strings.Contains(err.Error(), "RYTHME_METRICS_SCHEDULE") {
			t.Errorf("RYTHME_METRICS_SCHEDULE=%q: %v, want an error naming the variable", bad, err)
		}
	}
}
