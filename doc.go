// Package rythme is the domain of rythme, a social-media scheduling and
// publishing service for content teams: workspaces, API tokens and roles,
// connected network accounts, posts and their per-account targets, the
// publishing state machine, validation and error codes, and the store
// interfaces, one per aggregate (Store is their sum), that the rest of the
// program depends on; each consumer declares the few methods it uses.
//
// It imports only the standard library and must never do I/O of its own:
// adapters (store, connectors, api, worker) live in their own packages and
// translate their vendors' errors into the *Error type defined here.
package rythme
