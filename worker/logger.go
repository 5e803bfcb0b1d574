package worker

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// asynqLogger adapts slog to asynq.Logger.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) log(level slog.Level, args ...any) {
	a.l.Log(context.Background(), level, fmt.Sprint(args...), slog.String("component", "asynq"))
}

func (a asynqLogger) Debug(args ...any) { a.log(slog.LevelDebug, args...) }
func (a asynqLogger) Info(args ...any)  { a.log(slog.LevelInfo, args...) }
func (a asynqLogger) Warn(args ...any)  { a.log(slog.LevelWarn, args...) }
func (a asynqLogger) Error(args ...any) { a.log(slog.LevelError, args...) }
func (a asynqLogger) Fatal(args ...any) {
	a.log(slog.LevelError, args...)
	os.Exit(1)
}
