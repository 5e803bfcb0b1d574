package worker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/connectors"
)

// Defaults of InboxStreams.
const (
	// DefaultStreamLease is how long a worker owns an account's stream
	// without renewing it (renewed every third of it): a worker that dies
	// hands its streams over within it.
	DefaultStreamLease = 30 * time.Second
	// DefaultStreamScan is how often the connected accounts are listed
	// for streams to open (a new account, one another worker let go).
	DefaultStreamScan = 30 * time.Second
	// DefaultMaxStreams bounds the streams one worker holds: the others
	// take the rest.
	DefaultMaxStreams = 5000
	// DefaultStreamedPoll is how often the poller still reads an account
	// whose stream is up, for what a stream does not carry (a reply to
	// another reply that does not mention the account).
	DefaultStreamedPoll = 30 * time.Minute
	// maxStreamBackoff caps the wait between two openings of a stream
	// that keeps failing: the poller's interval, which reads the account
	// meanwhile.
	maxStreamBackoff = 5 * time.Minute
	// noStreamWait is how long an account whose server refuses streaming
	// (a Permanent answer) is left to the poller before trying again.
	noStreamWait = time.Hour
)

// Redis keys of the streams.
func streamLeaseKey(accountID string) string { return "rythme:inbox:stream:" + accountID }
func streamLiveKey(accountID string) string  { return "rythme:inbox:live:" + accountID }
func streamPolledKey(accountID string) string {
	return "rythme:inbox:polled:" + accountID
}

var renewScript = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`)

// InboxStreams keeps one stream open per connected account of every
// network whose connector is a connectors.InboxStreamer (Mastodon), and
// stores each comment and mention it carries at once, through the inbox
// poller's store step (listening.Receive: each once, comment.received
// emitted), so that it reaches the inbox within seconds instead of the
// poller's five minutes.
//
//   - One worker at a time owns an account's stream, across replicas: a
//     Redis lease (SET NX with a TTL, renewed by its owner, compare-and-set),
//     taken by whichever worker's scan finds it free.
//   - The stream is opened through the account-call policy (a refreshed
//     token, the handshake charged to the account's limits; a refused token
//     makes the account needs_reconnect). It is opened again after a
//     failure with a backoff of 1 s doubling to 5 minutes, and left an hour
//     to the poller when the server has no streaming.
//   - Each time it opens, the account is read once (what arrived while it
//     was down). While it is up the poller reads the account every
//     StreamedPoll instead of every sweep; while it is down, every sweep.
type InboxStreams struct {
	Poller *InboxPoller
	Redis  redis.UniversalClient
	Logger *slog.Logger
	// Lease, Scan, Max, StreamedPoll: see the defaults above.
	Lease        time.Duration
	Scan         time.Duration
	Max          int
	StreamedPoll time.Duration

	once    sync.Once
	owner   string
	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

func (s *InboxStreams) init() {
	s.once.Do(func() {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		s.owner = hex.EncodeToString(b)
		s.running = map[string]context.CancelFunc{}
		if s.Lease <= 0 {
			s.Lease = DefaultStreamLease
		}
		if s.Scan <= 0 {
			s.Scan = DefaultStreamScan
		}
		if s.Max <= 0 {
			s.Max = DefaultMaxStreams
		}
		if s.StreamedPoll <= 0 {
			s.StreamedPoll = DefaultStreamedPoll
		}
		if s.Logger == nil {
			s.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// Run scans for streams to own every Scan until ctx is done, then closes
// them and returns.
func (s *InboxStreams) Run(ctx context.Context) {
	s.init()
	t := time.NewTicker(s.Scan)
	defer t.Stop()
	for {
		if err := s.ScanOnce(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Warn("inbox streams: scan failed; the next one tries again", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			s.wg.Wait()
			return
		case <-t.C:
		}
	}
}

// Owned returns how many streams this worker holds.
func (s *InboxStreams) Owned() int {
	s.init()
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.running)
}

// Live reports whether the account's stream is open now (on any worker).
func (s *InboxStreams) Live(ctx context.Context, accountID string) bool {
	n, err := s.Redis.Exists(ctx, streamLiveKey(accountID)).Result()
	return err == nil && n > 0
}

// ScanOnce takes the lease of each connected account's stream that no
// worker holds, up to Max, and starts it; the streams run until ctx is
// done, their lease is lost or their account is no longer connected.
func (s *InboxStreams) ScanOnce(ctx context.Context) error {
	s.init()
	for _, conn := range s.Poller.Connectors.All() {
		if _, ok := conn.(connectors.InboxStreamer); !ok {
			continue
		}
		after := ""
		for {
			accts, err := s.Poller.Store.ConnectedAccounts(ctx, conn.Info().Name, after, 500)
			if err != nil {
				return fmt.Errorf("inbox streams: accounts: %w", err)
			}
			for _, a := range accts {
				if s.Owned() >= s.Max {
					return nil
				}
				s.mu.Lock()
				_, mine := s.running[a.ID]
				s.mu.Unlock()
				if mine {
					continue
				}
				ok, err := s.Redis.SetNX(ctx, streamLeaseKey(a.ID), s.owner, s.Lease).Result()
				if err != nil {
					return fmt.Errorf("inbox streams: lease: %w", err)
				}
				if ok {
					s.start(ctx, a.ID)
				}
			}
			if len(accts) < 500 {
				break
			}
			after = accts[len(accts)-1].ID
		}
	}
	return nil
}

func (s *InboxStreams) start(parent context.Context, accountID string) {
	ctx, cancel := context.WithCancel(parent)
	s.mu.Lock()
	s.running[accountID] = cancel
	s.mu.Unlock()
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.renew(ctx, cancel, accountID) }()
	go func() {
		defer s.wg.Done()
		defer func() {
			cancel()
			bg := context.WithoutCancel(parent)
			s.Redis.Del(bg, streamLiveKey(accountID))
			unlockScript.Run(bg, s.Redis, []string{streamLeaseKey(accountID)}, s.owner)
			s.mu.Lock()
			delete(s.running, accountID)
			s.mu.Unlock()
		}()
		s.keep(ctx, accountID)
	}()
}

// renew keeps the lease while ctx lives; a lease found lost (Redis wiped,
// the worker paused past it and another took it) cancels the stream.
func (s *InboxStreams) renew(ctx context.Context, cancel context.CancelFunc, accountID string) {
	t := time.NewTicker(s.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := renewScript.Run(ctx, s.Redis, []string{streamLeaseKey(accountID)}, s.owner, s.Lease.Milliseconds()).Int()
		if err != nil && ctx.Err() == nil {
			s.Logger.Warn("inbox streams: renew the lease", slog.String("account_id", accountID), slog.Any("err", err))
			continue // try again; past the lease another worker may take it
		}
		if n == 0 {
			cancel()
			return
		}
		if s.Live(ctx, accountID) {
			s.Redis.Expire(ctx, streamLiveKey(accountID), s.Lease)
		}
	}
}

// keep opens the account's stream again and again until ctx is done or
// the account is no longer connected.
func (s *InboxStreams) keep(ctx context.Context, accountID string) {
	log := s.Logger.With(slog.String("account_id", accountID))
	p := s.Poller
	for attempt := 0; ctx.Err() == nil; {
		acct, err := p.Store.AccountByID(ctx, accountID)
		if err != nil || acct.Status != rythme.AccountConnected {
			return // the scan starts it again once reconnected
		}
		opened := time.Now()
		err = s.stream(ctx, log, acct)
		s.Redis.Del(context.WithoutCancel(ctx), streamLiveKey(accountID))
		if ctx.Err() != nil {
			return
		}
		if time.Since(opened) > time.Minute {
			attempt = 0 // it ran a while: this is a new run of failures
		}
		wait := streamBackoff(attempt)
		attempt++
		ce, _ := connectors.AsError(err)
		switch connectors.KindOf(err) {
		case connectors.Auth:
			_ = p.calls().NeedsReconnect(ctx, log, accountID, errMessage(err))
			return
		case connectors.Permanent:
			wait = noStreamWait
		case connectors.RateLimited:
			if ce != nil && ce.RetryAfter > wait {
				wait = ce.RetryAfter
			}
		}
		log.Info("inbox streams: the stream ended; the poller reads the account until it is open again",
			slog.Duration("retry_in", wait), slog.String("reason", errMessage(err)))
		if RealClock.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// streamBackoff is the wait before the attempt-th new opening (0 the
// first) of a stream that keeps failing: 1 s doubling to 5 minutes, with
// up to a quarter more at random so that streams cut together do not all
// come back together.
func streamBackoff(attempt int) time.Duration {
	d := min(time.Second<<min(attempt, 9), maxStreamBackoff)
	return d + time.Duration(jitter(int(d/4/time.Millisecond)))*time.Millisecond
}

// stream opens acct's stream once and stores what it carries until it
// ends.
func (s *InboxStreams) stream(ctx context.Context, log *slog.Logger, acct *rythme.Account) error {
	p := s.Poller
	conn, err := p.Connectors.Get(acct.Network)
	if err != nil {
		return &connectors.Error{Kind: connectors.Permanent, Message: "no connector for " + acct.Network}
	}
	streamer, ok := conn.(connectors.InboxStreamer)
	if !ok {
		return &connectors.Error{Kind: connectors.Permanent, Message: acct.Network + " has no stream"}
	}
	if p.Limits != nil {
		if ttl, err := p.Limits.Blocked(ctx, acct.Network, acct.ID); err == nil && ttl > 0 {
			return &connectors.Error{Kind: connectors.RateLimited, RetryAfter: ttl, Message: "the network asked to wait"}
		}
	}
	calls := p.calls()
	call, err := calls.Open(ctx, log, conn, acct)
	if err != nil {
		return err
	}
	targetOf := map[string]string{}
	req := connectors.InboxStream{
		IsPost: func(id string) bool {
			// The account's recent posts, read again for each entry (one
			// query): a post published since the stream opened counts.
			limit := max(p.Posts, 100)
			if due, err := p.Store.ReadTargets(ctx, acct.ID, limit); err == nil {
				clear(targetOf)
				for _, d := range due {
					if d.ExternalID != "" {
						targetOf[d.ExternalID] = d.TargetID
					}
				}
			}
			return targetOf[id] != ""
		},
		Opened: func() {
			// What arrived while the stream was down, then live.
			if _, err := p.ReadAccount(ctx, acct.ID); err != nil {
				log.Info("inbox streams: the read on opening failed; the poller reads the account", slog.Any("err", err))
			}
			s.Redis.Set(ctx, streamLiveKey(acct.ID), s.owner, s.Lease)
		},
		Entry: func(e connectors.InboxEntry) {
			if _, err := p.store(ctx, acct, &connectors.InboxPage{Entries: []connectors.InboxEntry{e}}, targetOf); err != nil {
				log.Warn("inbox streams: store an entry; the poller reads it again", slog.Any("err", err))
			}
		},
	}
	return call.Do(ctx, func(acct *rythme.Account, client *http.Client) error {
		return streamer.StreamInbox(ctx, acct, client, req)
	})
}

// pollStreamed reports whether a sweep should read an account now: always
// when its stream is down, once per StreamedPoll while it is up.
func (s *InboxStreams) pollStreamed(ctx context.Context, accountID string) bool {
	s.init()
	if !s.Live(ctx, accountID) {
		return true
	}
	// The time of the last read is the value, not only the TTL: the
	// embedded mode's in-process Redis does not expire keys on its own.
	now := time.Now()
	if v, err := s.Redis.Get(ctx, streamPolledKey(accountID)).Int64(); err == nil && now.Sub(time.UnixMilli(v)) < s.StreamedPoll {
		return false
	}
	s.Redis.Set(ctx, streamPolledKey(accountID), now.UnixMilli(), s.StreamedPoll)
	return true
}
