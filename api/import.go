package api

import (
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme"
	"github.com/rythmehq/rythme/calendars"
)

// importPosts is POST /v1/posts/import: a CSV (text/csv) or JSON file of
// posts, parsed here and scheduled all or none by posting.Service.Import.
func (s *server) importPosts(c *gin.Context) {
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	format := map[string]string{"text/csv": "csv", "application/json": "json"}[ct]
	if format == "" {
		s.fail(c, rythme.Errorf(rythme.EUNSUPPORTED, "send the file as text/csv or application/json"))
		return
	}
	zone := c.Query("tz")
	if zone == "" {
		zone = "UTC"
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, calendars.MaxImportBytes+1)
	rows, rowErrs := calendars.ParseImport(c.Request.Body, format, zone)
	made, err := s.posting.Import(c.Request.Context(), actor(c), workspace(c), rows, rowErrs)
	if err != nil {
		s.fail(c, err)
		return
	}
	ids := make([]string, len(made.Posts))
	for i, p := range made.Posts {
		ids[i] = p.ID
	}
	c.JSON(http.StatusCreated, gin.H{"created": len(made.Posts), "post_ids": ids, "adjustments": made.Adjustments})
}
