// Package dashboard is the web dashboard of `cxhub serve` for IT admins:
// server-rendered pages (html/template, every asset embedded with embed, a
// small script of our own for live updates and selection, no external
// request) that show what runs, what broke and what waits, and let an
// operator trigger, pause and resume pipelines and replay or discard dead
// letters.
//
// It knows nothing of the server's internals: it reads and acts through a
// Backend, which core/server implements over the hub and its workers. Its
// sign-in takes one of the API's tokens and keeps a session in memory (a
// restart signs everyone out) behind an HttpOnly, SameSite=Strict cookie;
// every action is a POST checked against the session's CSRF token, and
// only an operator's session may act: a viewer sees no action and is
// refused (403) if it posts one anyway. The token is checked again on
// every request, so a token removed from the config (SIGHUP) ends its
// sessions at once.
//
// It is not the API: /api/v1 stays the interface for programs; the
// dashboard's routes (/ and /ui/...) are not in openapi.json.
package dashboard
