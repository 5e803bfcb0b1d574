package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/rythmehq/rythme"
)

const campaignCols = `id, workspace_id, kind, name, theme, first_day, timezone, status, plan, created_by, created_at, updated_at, utm`

// utmText is the stored form of a campaign's UTM settings: JSON, or ""
// for none.
func utmText(u *rythme.UTMSettings) string {
	if u.Empty() {
		return ""
	}
	b, _ := json.Marshal(u) // a struct of strings: cannot fail
	return string(b)
}

// CreateCampaign writes the campaign and its posts in one transaction.
func (s *Store) CreateCampaign(ctx context.Context, c *rythme.Campaign, posts []*rythme.Post) error {
	if c.ID == "" {
		c.ID = rythme.NewID(rythme.PrefixCampaign)
	}
	now := norm(time.Now())
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = c.CreatedAt
	}
	c.CreatedAt, c.UpdatedAt = norm(c.CreatedAt), norm(c.UpdatedAt)
	return s.tx(ctx, "create campaign", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaigns (`+campaignCols+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			c.ID, c.WorkspaceID, c.Kind, c.Name, c.Theme, c.FirstDay, c.Timezone, c.Status, string(c.Plan),
			c.CreatedBy, s.ts(c.CreatedAt), s.ts(c.UpdatedAt), utmText(c.UTM)); err != nil {
			return err
		}
		for _, p := range posts {
			p.CampaignID = c.ID
			if err := s.insertPost(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) scanCampaign(sc scanner) (*rythme.Campaign, error) {
	c := &rythme.Campaign{}
	var plan, utm string
	if err := sc.Scan(&c.ID, &c.WorkspaceID, &c.Kind, &c.Name, &c.Theme, &c.FirstDay, &c.Timezone, &c.Status, &plan,
		&c.CreatedBy, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt}, &utm); err != nil {
		return nil, err
	}
	c.Plan = []byte(plan)
	if utm != "" {
		c.UTM = &rythme.UTMSettings{}
		if err := json.Unmarshal([]byte(utm), c.UTM); err != nil {
			return nil, fmt.Errorf("campaign %s: utm: %w", c.ID, err)
		}
	}
	return c, nil
}

// GetCampaign returns the workspace's campaign; ENOTFOUND otherwise.
func (s *Store) GetCampaign(ctx context.Context, workspaceID, id string) (*rythme.Campaign, error) {
	c, err := s.scanCampaign(s.r.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("campaign", id)
	}
	return c, s.fail("get campaign", err)
}

// ListCampaigns lists the workspace's campaigns, newest first.
func (s *Store) ListCampaigns(ctx context.Context, workspaceID string) ([]*rythme.Campaign, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+campaignCols+` FROM campaigns WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC`, workspaceID)
	if err != nil {
		return nil, s.fail("list campaigns", err)
	}
	defer rows.Close()
	out := []*rythme.Campaign{}
	for rows.Next() {
		c, err := s.scanCampaign(rows)
		if err != nil {
			return nil, s.fail("list campaigns", err)
		}
		out = append(out, c)
	}
	return out, s.fail("list campaigns", rows.Err())
}

// UpdateCampaign saves the campaign's name, theme, first day, plan,
// status and UTM settings; ENOTFOUND if the workspace has none with its id.
func (s *Store) UpdateCampaign(ctx context.Context, c *rythme.Campaign) error {
	c.UpdatedAt = norm(time.Now())
	res, err := s.w.ExecContext(ctx, `UPDATE campaigns SET name = $1, theme = $2, first_day = $3, plan = $4, status = $5, updated_at = $6, utm = $9
		WHERE id = $7 AND workspace_id = $8`, c.Name, c.Theme, c.FirstDay, string(c.Plan), c.Status, s.ts(c.UpdatedAt), c.ID, c.WorkspaceID, utmText(c.UTM))
	return s.affected("update campaign", res, err, func() error { return notFound("campaign", c.ID) })
}
