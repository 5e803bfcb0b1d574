package main

import (
	"context"
	"log/slog"

	"github.com/rythmehq/rythme/fakenet"
)

func runFakenet(ctx context.Context, cfg config, log *slog.Logger) error {
	lat, err := fakenet.ParseLatency(cfg.FakenetLatency)
	if err != nil {
		return err
	}
	fn := fakenet.New(fakenet.Config{Seed: cfg.FakenetSeed, Logger: log, RateLimit: cfg.FakenetRate, Latency: lat, HistoryDays: cfg.FakenetHistory})
	// Closing fakenet releases requests held open by timeout faults, so
	// that the server's graceful shutdown does not wait for them.
	go func() { <-ctx.Done(); fn.Close() }()
	log.Info("fakenet: Mastodon instance at http://"+cfg.FakenetAddr+"/mastodon; record at /_fakenet/posts",
		slog.String("latency", lat.String()))
	return serveHTTP(ctx, cfg.FakenetAddr, fn.Handler(), log)
}
