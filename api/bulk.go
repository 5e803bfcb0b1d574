package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/rythmehq/rythme/posting"
)

// bulkItem is one post's outcome in a bulk answer: the post as it is now,
// or the error (in the API's one error shape) that left it as it was.
type bulkItem struct {
	ID    string     `json:"id"`
	OK    bool       `json:"ok"`
	Post  *postJSON  `json:"post,omitempty"`
	Error *errorJSON `json:"error,omitempty"`
}

type bulkAnswer struct {
	Data      []bulkItem `json:"data"`
	Succeeded int        `json:"succeeded"`
	Failed    int        `json:"failed"`
}

// bulkPosts is POST /v1/posts/bulk (posting.Service.Bulk): 200 with one
// outcome per post, even when some failed; 422 when the request itself is
// malformed (then nothing changed).
func (s *server) bulkPosts(c *gin.Context) {
	var req posting.Bulk
	if err := decodeJSON(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	outcomes, err := s.posting.Bulk(c.Request.Context(), actor(c), workspace(c), req)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.bulkOut(c, outcomes))
}

// bulkOut encodes per-post outcomes, each error in the one error shape.
func (s *server) bulkOut(c *gin.Context, outcomes []posting.BulkOutcome) bulkAnswer {
	out := bulkAnswer{Data: make([]bulkItem, 0, len(outcomes))}
	for _, o := range outcomes {
		item := bulkItem{ID: o.ID, OK: o.Err == nil}
		if o.Err != nil {
			_, body := s.errorOf(c, o.Err)
			item.Error = &body
			out.Failed++
		} else {
			p := postOut(o.Post)
			item.Post = &p
			out.Succeeded++
		}
		out.Data = append(out.Data, item)
	}
	return out
}
