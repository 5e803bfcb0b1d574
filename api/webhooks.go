package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/netguard"
)

type createWebhookRequest struct {
	URL       string   `json:"url"`
	AccountID string   `json:"account_id"`
	Events    []string `json:"events"`
}

// createdWebhook is a new webhook with its signing secret, shown once.
type createdWebhook struct {
	*rythme.Webhook
	Secret string `json:"secret"`
}

// WebhookSecretPrefix starts every webhook signing secret.
const WebhookSecretPrefix = "whsec_"

func (s *server) createWebhook(c *gin.Context) {
	var req createWebhookRequest
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		s.fail(c, fmt.Errorf("api: random secret: %w", err))
		return
	}
	w := &rythme.Webhook{ID: rythme.NewID(rythme.PrefixWebhook), WorkspaceID: workspace(c), URL: req.URL,
		AccountID: req.AccountID, Events: req.Events, Secret: WebhookSecretPrefix + base64.RawURLEncoding.EncodeToString(raw[:]),
		CreatedAt: s.now()}
	if w.Events == nil {
		w.Events = []string{}
	}
	if err := w.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.checkWebhookURL(c.Request.Context(), w.URL); err != nil {
		s.fail(c, err)
		return
	}
	if w.AccountID != "" {
		acc, err := s.account(c.Request.Context(), map[string]*rythme.Account{}, w.WorkspaceID, w.AccountID)
		if err != nil {
			s.fail(c, err)
			return
		}
		if acc == nil {
			s.fail(c, rythme.Invalid(rythme.FieldError{Field: "account_id", Message: "no such account in this workspace"}))
			return
		}
	}
	if err := s.store.CreateWebhook(c.Request.Context(), w); err != nil {
		s.fail(c, fmt.Errorf("api: create webhook: %w", err))
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, createdWebhook{Webhook: w, Secret: w.Secret})
}

// checkWebhookURL refuses a URL whose host resolves to a loopback, private,
// link-local or otherwise non-public address (unless AllowPrivateWebhooks).
// A host that does not resolve now is accepted: deliveries are checked again
// on the address they connect to, and a refused one is not retried.
func (s *server) checkWebhookURL(ctx context.Context, raw string) error {
	if raw == "" || s.cfg.AllowPrivateWebhooks {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := (netguard.Policy{}).CheckURL(ctx, raw, s.cfg.Resolver); netguard.IsRefused(err) {
		return &rythme.Error{Code: rythme.EINVALID, Err: err, Message: "url: must reach a public server",
			Fields: []rythme.FieldError{{Field: "url", Message: "must reach a public server: its host resolves to a loopback, private or link-local address"}}}
	}
	return nil
}

func (s *server) listWebhooks(c *gin.Context) {
	hooks, err := s.store.ListWebhooks(c.Request.Context(), workspace(c))
	if err != nil {
		s.fail(c, fmt.Errorf("api: list webhooks: %w", err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": hooks})
}

func (s *server) deleteWebhook(c *gin.Context) {
	id, ok := s.pathID(c, "id", rythme.PrefixWebhook, "webhook")
	if !ok {
		return
	}
	if err := s.store.DeleteWebhook(c.Request.Context(), workspace(c), id); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
