package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/api"
	"github.com/rythmehq/rythme/password"
)

// bootstrapAdmin makes RYTHME_ADMIN_EMAIL the first member, an instance
// administrator and admin of the first workspace, on a store with no
// member. Without it, the first start says how to make one.
func bootstrapAdmin(ctx context.Context, cfg config, st bootstrapStore, firstStart bool, log *slog.Logger) error {
	if cfg.AdminEmail == "" {
		if firstStart {
			log.Info("no member can sign in yet: set RYTHME_ADMIN_EMAIL and RYTHME_ADMIN_PASSWORD and restart, " +
				"or invite one with the admin token: POST /v1/invitations {\"email\": …, \"role\": \"admin\"} (see README, \"People and sign-in\")")
		}
		return nil
	}
	email, _ := rythme.NormalizeEmail(cfg.AdminEmail)
	hash, err := password.Hash(cfg.AdminPassword, password.RFC9106)
	if err != nil {
		return err
	}
	name, _, _ := strings.Cut(email, "@")
	m := &rythme.Member{ID: rythme.NewID(rythme.PrefixMember), Email: email, Name: name, PasswordHash: hash, InstanceAdmin: true,
		CreatedAt: time.Now().UTC()}
	created, err := st.CreateFirstMember(ctx, m, "")
	if err != nil {
		return fmt.Errorf("bootstrap admin member: %w", err)
	}
	if created {
		log.Info("created the first member, an instance administrator: sign in at RYTHME_PUBLIC_URL with RYTHME_ADMIN_EMAIL",
			slog.String("member_id", m.ID), slog.String("email", email))
		return nil
	}
	if _, err := st.MemberByEmail(ctx, email); rythme.ErrorCode(err) == rythme.ENOTFOUND {
		log.Warn("RYTHME_ADMIN_EMAIL is set but the store has members already; it was not added (an admin can invite it)",
			slog.String("variable", "RYTHME_ADMIN_EMAIL"))
	} else if err != nil {
		return fmt.Errorf("bootstrap admin member: %w", err)
	}
	return nil
}

// resetLinkTTL is how long a link printed by `rythme reset-password` works.
const resetLinkTTL = time.Hour

// runResetPassword prints a one-time password reset link for a member.
func runResetPassword(ctx context.Context, cfg config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: rythme reset-password <email>")
	}
	kr, err := openKeyring(cfg)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, kr, log)
	if err != nil {
		return err
	}
	defer st.Close()
	link, err := api.ResetLink(ctx, st, cfg.PublicURL, args[0], time.Now(), resetLinkTTL)
	if rythme.ErrorCode(err) == rythme.ENOTFOUND {
		return fmt.Errorf("no member has the email %q", args[0])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Open this link within %s to set a new password (it works once):\n%s\n", resetLinkTTL, link)
	return nil
}

// smtpMailer sends mail with net/smtp: STARTTLS when the server offers
// it, PLAIN auth when a user name is set (net/smtp refuses it without TLS
// except to localhost).
type smtpMailer struct {
	addr, from string
	auth       smtp.Auth
}

var _ api.Mailer = (*smtpMailer)(nil)

// newMailer returns the configured mailer, or nil without RYTHME_SMTP_ADDR.
func newMailer(cfg config) api.Mailer {
	if cfg.SMTPAddr == "" {
		return nil
	}
	m := &smtpMailer{addr: cfg.SMTPAddr, from: cfg.SMTPFrom}
	if cfg.SMTPUsername != "" {
		host, _, _ := net.SplitHostPort(cfg.SMTPAddr)
		m.auth = smtp.PlainAuth("", cfg.SMTPUsername, cfg.SMTPPassword, host)
	}
	return m
}

// Send mails a plain-text message; to is a plain address (validated by
// the caller), the subject is encoded (RFC 2047), so no header can be
// injected.
func (m *smtpMailer) Send(_ context.Context, to, subject, body string) error {
	if strings.ContainsAny(to, "\r\n") {
		return errors.New("smtp: bad recipient")
	}
	msg := "From: " + m.from + "\r\nTo: " + to + "\r\nSubject: " + mime.QEncoding.Encode("utf-8", subject) +
		"\r\nDate: " + time.Now().Format(time.RFC1123Z) + "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n")
	return smtp.SendMail(m.addr, m.auth, m.from, []string{to}, []byte(msg))
}
