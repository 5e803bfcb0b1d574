package connectors

import (
	"context"
	"fmt"
)

// Part is one post of a thread that is on the network: Index 0 is the
// first post (PublishRequest.Text, with the media), Index i the part
// PublishRequest.Thread[i-1], each a reply to the one before.
type Part struct {
	Index      int
	ExternalID string
	URL        string
	// Ref is what a reply to this part needs besides ExternalID, in the
	// network's own terms (Bluesky: the record's CID, for the strongRef);
	// empty where the id is enough.
	Ref string
}

// PartFunc is called by a connector right after the network confirmed a
// part and before the next part is sent. It must make the part durable
// (the worker stores it); its error stops Publish, which returns it
// wrapped in a Retryable *Error (the worker knows which part it could not
// store, and does not re-send it blind).
type PartFunc func(ctx context.Context, p Part) error

// PartPoster publishes part i of a thread (text, and for i 0 the media)
// as a reply to prev (nil for the first part); root is part 0 (nil for
// the first part itself). It returns the new part.
type PartPoster func(ctx context.Context, i int, text string, root, prev *Part) (Part, error)

// PartError is the failure of part Index of a thread of Of parts: Err is
// the connector's error for that part (its Kind decides), Out the parts
// that are on the network (from this attempt and earlier ones).
type PartError struct {
	Index int
	Of    int
	Out   []Part
	// Unsaved is set when the part was published but PartPublished could
	// not store it (Err is then the store's error).
	Unsaved *Part
	Err     error
}

func (e *PartError) Error() string {
	if e.Unsaved != nil {
		return fmt.Sprintf("part %d of %d is out but could not be recorded: %v", e.Unsaved.Index+1, e.Of, e.Err)
	}
	return fmt.Sprintf("part %d of %d: %v", e.Index+1, e.Of, e.Err)
}

func (e *PartError) Unwrap() error { return e.Err }

// Texts returns every part's text: Text, then Thread.
func (r PublishRequest) Texts() []string {
	return append([]string{r.Text}, r.Thread...)
}

// PublishThread publishes the parts of req that are not yet out, one
// after the other with post, and returns the first part as the result.
// Parts in req.Done (an earlier attempt's) are skipped and the next part
// replies to the last of them: a retry resumes after the last confirmed
// part. Each new part goes to req.PartPublished before the next is sent.
// A failure of any part is returned as a *PartError carrying the
// connector's error (so KindOf still tells what to do).
func PublishThread(ctx context.Context, req PublishRequest, post PartPoster) (*Published, error) {
	texts := req.Texts()
	out := make([]Part, 0, len(texts))
	for i, p := range req.Done {
		if p.Index != i || p.ExternalID == "" || i >= len(texts) {
			return nil, Errorf(Permanent, "the parts already out are not parts 1 to %d of this thread", len(req.Done))
		}
		out = append(out, p)
	}
	for i := len(out); i < len(texts); i++ {
		var root, prev *Part
		if i > 0 {
			root, prev = &out[0], &out[i-1]
		}
		p, err := post(ctx, i, texts[i], root, prev)
		if err != nil {
			return nil, &PartError{Index: i, Of: len(texts), Out: out, Err: err}
		}
		p.Index = i
		out = append(out, p)
		if req.PartPublished != nil {
			if err := req.PartPublished(ctx, p); err != nil {
				return nil, &PartError{Index: i, Of: len(texts), Out: out, Unsaved: &p,
					Err: &Error{Kind: Retryable, Message: fmt.Sprintf("could not record part %d of %d", i+1, len(texts)), Err: err}}
			}
		}
	}
	return &Published{ExternalID: out[0].ExternalID, URL: out[0].URL}, nil
}
