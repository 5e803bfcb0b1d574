package api

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// readyTimeout bounds each dependency check of /readyz.
const readyTimeout = 2 * time.Second

// openapiDoc is the OpenAPI 3.1 document of the API, served at /openapi.json.
//
//go:embed openapi.json
var openapiDoc []byte

func serveOpenAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openapiDoc)
}

// healthz says the process is up; it checks nothing else.
func (s *server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz checks the database and the queue's Redis; 503 names which one is
// down, without its error text.
func (s *server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.fail(c, unavailable("the database is unavailable", fmt.Errorf("api: readyz: ping store: %w", err)))
		return
	}
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(ctx); err != nil {
			s.fail(c, unavailable("the queue (Redis) is unavailable", fmt.Errorf("api: readyz: ready check: %w", err)))
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
