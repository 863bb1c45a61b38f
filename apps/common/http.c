/* SPDX-License-Identifier: BSD-3-Clause
 *
 * HTTP/1.x head parsing (RFC 9112) for tern-httpd and tern-load, plus the
 * chunked-body decoder and the method/reason tables. The caller keeps the
 * bytes of a connection contiguous and calls http_parse_request() or
 * http_parse_response() again whenever more arrive; each call re-parses
 * from the start (no state is kept), so it returns the same verdict for
 * the same bytes, and a verdict other than HTTP_INCOMPLETE never changes
 * when more bytes are appended. Only the first `limit` bytes are ever
 * looked at. On HTTP_OK, head_len is where the body or the next pipelined
 * message starts; the body is then framed by content_length or fed to
 * http_chunked_feed(). Line endings are CRLF, but a bare LF is accepted
 * as one too (RFC 9112 2.2 allows it; nginx does the same); a CR not
 * followed by LF is an error. The request line is checked as its bytes
 * arrive, so garbage and over-long targets are rejected before the end of
 * the head; header fields are checked line by line once each line is
 * complete; framing rules (RFC 9112 6.1, 6.3) once the head is complete.
 */
#include <limits.h>
#include <string.h>

#include "http.h"

/* Framing-related facts collected from the header fields. */
struct head_fields {
	uint64_t content_length;
	uint8_t has_cl;
	uint8_t has_te;			/* Transfer-Encoding present */
	uint8_t te_chunked_seen;
	uint8_t te_chunked_last;	/* chunked is the final coding */
	uint8_t conn_close;
	uint8_t conn_keep_alive;
	uint8_t host_lines;		/* Host field lines, saturating at 255 */
};

/* The bytes a parse may look at: buf[0, end), end = min(len, limit). */
struct head_scan {
	const char *buf;
	size_t pos;
	size_t end;
	uint8_t at_limit;		/* end is the limit, not the data */
};

static const char *const method_names[HTTP_M_COUNT] = {
	[HTTP_M_UNKNOWN] = "UNKNOWN",
	[HTTP_M_GET] = "GET",
	[HTTP_M_HEAD] = "HEAD",
	[HTTP_M_POST] = "POST",
	[HTTP_M_PUT] = "PUT",
	[HTTP_M_DELETE] = "DELETE",
	[HTTP_M_OPTIONS] = "OPTIONS",
	[HTTP_M_PATCH] = "PATCH",
	[HTTP_M_OTHER] = "OTHER",
};

struct reason {
	unsigned int status;
	const char *text;
};

/* RFC 9110 section 15 (+ 429 from RFC 6585), sorted by status. */
static const struct reason reasons[] = {
	{ 100, "Continue" }, { 101, "Switching Protocols" },
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 203, "Non-Authoritative Information" }, { 204, "No Content" },
	{ 205, "Reset Content" }, { 206, "Partial Content" },
	{ 300, "Multiple Choices" }, { 301, "Moved Permanently" },
	{ 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
	{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
	{ 400, "Bad Request" }, { 401, "Unauthorized" },
	{ 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
	{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
	{ 411, "Length Required" }, { 412, "Precondition Failed" },
	{ 413, "Content Too Large" }, { 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" }, { 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" }, { 426, "Upgrade Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
};

/* Used for codes missing from the table, by class (RFC 9110 15). */
static const char *const class_reasons[] = {
	"Unknown", "Informational", "Success", "Redirection",
	"Client Error", "Server Error",
};

/* Chunked decoder states (struct http_chunked.state); 0 is the start. */
enum chunk_state {
	CH_SIZE_FIRST = 0,	/* expecting the first hex digit */
	CH_SIZE,		/* more hex digits, BWS, ';', CR or LF */
	CH_SIZE_BWS,		/* whitespace after the size */
	CH_EXT,			/* chunk extensions, skipped until CR/LF */
	CH_SIZE_LF,		/* CR seen on the size line */
	CH_DATA,
	CH_DATA_CR,		/* CRLF that closes the chunk data */
	CH_DATA_LF,
	CH_TRAILER_START,	/* start of a trailer line or the final CRLF */
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_FINAL_LF,
	CH_DONE,
	CH_ERROR,
};

/* RFC 9110 5.6.2: tchar. */
static int
is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* RFC 9112 3.2: the target is an ASCII URI form, no SP, no CTL. */
static int
is_target_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

/* RFC 9110 5.5: field-vchar, SP and HTAB; obs-text allowed. */
static int
is_field_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive comparison of p[0, n) with the lower-case `word`. */
static int
token_is(const char *p, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)p[i]) != (unsigned char)word[i])
			return 0;
	return 1;
}

/* Method names are case-sensitive (RFC 9110 9.1). */
static enum http_method
method_lookup(const char *p, size_t n)
{
	int m;

	for (m = HTTP_M_GET; m < HTTP_M_OTHER; m++)
		if (strlen(method_names[m]) == n &&
		    memcmp(method_names[m], p, n) == 0)
			return (enum http_method)m;
	return HTTP_M_OTHER;
}

static void
scan_init(struct head_scan *sc, const char *buf, size_t len, size_t limit)
{
	if (limit > UINT32_MAX)
		limit = UINT32_MAX;	/* head_len is 32 bits */
	sc->buf = buf;
	sc->pos = 0;
	sc->at_limit = len >= limit;
	sc->end = sc->at_limit ? limit : len;
}

/* Out of bytes before the end of the head: wait, or give up at the limit. */
static enum http_status
scan_need_more(const struct head_scan *sc)
{
	return sc->at_limit ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
}

/* The next complete line, without its CRLF or LF. */
static enum http_status
scan_line(struct head_scan *sc, const char **line, size_t *n)
{
	const char *p = sc->buf + sc->pos;
	const char *lf = memchr(p, '\n', sc->end - sc->pos);

	if (lf == NULL)
		return scan_need_more(sc);
	*line = p;
	*n = (size_t)(lf - p);
	if (*n > 0 && p[*n - 1] == '\r')
		(*n)--;
	sc->pos += (size_t)(lf - p) + 1;
	return HTTP_OK;
}

/* RFC 9112 2.2: ignore empty lines received before the request line. */
static enum http_status
scan_skip_empty_lines(struct head_scan *sc)
{
	while (sc->pos < sc->end) {
		const char *p = sc->buf + sc->pos;

		if (p[0] == '\n') {
			sc->pos++;
		} else if (p[0] == '\r') {
			if (sc->pos + 1 == sc->end)
				return scan_need_more(sc);
			if (p[1] != '\n')
				return HTTP_BAD;
			sc->pos += 2;
		} else {
			return HTTP_OK;
		}
	}
	return scan_need_more(sc);
}

/*
 * HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3), case-sensitive,
 * checked on as many bytes as there are. Another major version is 505; a
 * higher minor version is processed as 1.1 (RFC 9110 2.5).
 */
static enum http_status
parse_version(const char *p, size_t n, int complete, uint8_t *minor)
{
	static const char pattern[] = "HTTP/0.0";
	size_t i;

	for (i = 0; i < n && i < 8; i++) {
		if (pattern[i] == '0' ? !is_digit(p[i]) : p[i] != pattern[i])
			return HTTP_BAD;
	}
	if (n > 8)
		return HTTP_BAD;
	if (!complete)
		return HTTP_INCOMPLETE;
	if (n < 8)
		return HTTP_BAD;
	if (p[5] != '1')
		return HTTP_BAD_VERSION;
	*minor = p[7] == '0' ? 0 : 1;
	return HTTP_OK;
}

/*
 * request-line = method SP request-target SP HTTP-version (RFC 9112 3),
 * single spaces. `complete` says whether p[0, n) is the whole line (without
 * CRLF) or only what arrived so far; then HTTP_INCOMPLETE means "so far so
 * good". A line with no version is HTTP/0.9: answered as a version error.
 */
static enum http_status
parse_request_line(const char *p, size_t n, int complete,
		   struct http_request *req)
{
	size_t i = 0;
	size_t t0;

	while (i < n && is_tchar((unsigned char)p[i]))
		i++;
	if (i == n)
		return complete ? HTTP_BAD : HTTP_INCOMPLETE;
	if (i == 0 || p[i] != ' ')
		return HTTP_BAD;
	req->method = method_lookup(p, i);
	t0 = ++i;
	while (i < n && is_target_char((unsigned char)p[i])) {
		if (i - t0 == HTTP_MAX_PATH)
			return HTTP_URI_TOO_LONG;
		i++;
	}
	if (i == n && !complete)
		return HTTP_INCOMPLETE;
	if (i == t0)
		return HTTP_BAD;
	if (i == n)
		return HTTP_BAD_VERSION;
	if (p[i] != ' ')
		return HTTP_BAD;
	req->path_len = (uint16_t)(i - t0);
	memcpy(req->path, p + t0, i - t0);
	req->path[i - t0] = '\0';
	return parse_version(p + i + 1, n - i - 1, complete,
			     &req->version_minor);
}

/* The request line, or an early verdict on the part of it that arrived. */
static enum http_status
scan_request_line(struct head_scan *sc, struct http_request *req)
{
	const char *line;
	size_t n;
	enum http_status st, partial;

	st = scan_line(sc, &line, &n);
	if (st == HTTP_OK)
		return parse_request_line(line, n, 1, req);
	line = sc->buf + sc->pos;
	n = sc->end - sc->pos;
	if (n > 0 && line[n - 1] == '\r')
		n--;			/* its LF may be on the way */
	partial = parse_request_line(line, n, 0, req);
	return partial == HTTP_INCOMPLETE ? st : partial;
}

/*
 * status-line = HTTP-version SP status-code SP [ reason-phrase ]
 * (RFC 9112 4). "HTTP/1.1 200" without the second SP is tolerated, as
 * most clients do; the reason phrase is checked for CTLs and ignored.
 */
static enum http_status
parse_status_line(const char *p, size_t n, struct http_response *resp)
{
	enum http_status st;
	unsigned int code;
	size_t i;

	st = parse_version(p, n < 8 ? n : 8, 1, &resp->version_minor);
	if (st != HTTP_OK)
		return st;
	if (n < 12 || p[8] != ' ' || !is_digit(p[9]) || !is_digit(p[10]) ||
	    !is_digit(p[11]))
		return HTTP_BAD;
	code = (unsigned int)(p[9] - '0') * 100 + (unsigned int)(p[10] - '0') * 10 +
	       (unsigned int)(p[11] - '0');
	if (code < 100 || code > 599)
		return HTTP_BAD;
	if (n > 12 && p[12] != ' ')
		return HTTP_BAD;
	for (i = 13; i < n; i++)
		if (!is_field_value_char((unsigned char)p[i]))
			return HTTP_BAD;
	resp->status = (uint16_t)code;
	return HTTP_OK;
}

/* Content-Length = 1*DIGIT; repeats must agree (RFC 9110 8.6). */
static enum http_status
field_content_length(const char *v, size_t n, struct head_fields *hf)
{
	uint64_t val = 0;
	size_t i;

	if (n == 0)
		return HTTP_BAD;
	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned char)v[i] - '0';

		if (d > 9 || val > (UINT64_MAX - d) / 10)
			return HTTP_BAD;
		val = val * 10 + d;
	}
	if (hf->has_cl && hf->content_length != val)
		return HTTP_BAD;
	hf->has_cl = 1;
	hf->content_length = val;
	return HTTP_OK;
}

/*
 * Next element of a #list (RFC 9110 5.6.1): split at commas, OWS trimmed,
 * empty elements skipped. Returns 0 at the end of the list.
 */
static int
list_next(const char **p, const char *end, const char **elem, size_t *n)
{
	const char *s = *p;
	const char *e;

	while (s < end && (*s == ',' || is_ows(*s)))
		s++;
	if (s == end)
		return 0;
	e = memchr(s, ',', (size_t)(end - s));
	if (e == NULL)
		e = end;
	*p = e;
	while (e > s && is_ows(e[-1]))
		e--;
	*elem = s;
	*n = (size_t)(e - s);
	return 1;
}

/* Connection options are case-insensitive tokens (RFC 9110 7.6.1). */
static void
field_connection(const char *v, size_t n, struct head_fields *hf)
{
	const char *end = v + n;
	const char *e;
	size_t en;

	while (list_next(&v, end, &e, &en)) {
		if (token_is(e, en, "close"))
			hf->conn_close = 1;
		else if (token_is(e, en, "keep-alive"))
			hf->conn_keep_alive = 1;
	}
}

/*
 * Transfer-Encoding: a list of codings with optional parameters; chunked
 * may appear once and must be the final coding (RFC 9112 6.1). Repeated
 * field lines form one list, so the order is kept across calls.
 */
static enum http_status
field_transfer_encoding(const char *v, size_t n, struct head_fields *hf)
{
	const char *end = v + n;
	const char *e;
	size_t en, k, i;

	hf->has_te = 1;
	while (list_next(&v, end, &e, &en)) {
		for (k = 0; k < en && is_tchar((unsigned char)e[k]); k++)
			;
		for (i = k; i < en && is_ows(e[i]); i++)
			;
		if (k == 0 || (i < en && e[i] != ';'))
			return HTTP_BAD;
		if (!token_is(e, k, "chunked")) {
			hf->te_chunked_last = 0;
			continue;
		}
		if (i < en || hf->te_chunked_seen)
			return HTTP_BAD;	/* no parameters, only once */
		hf->te_chunked_seen = 1;
		hf->te_chunked_last = 1;
	}
	return HTTP_OK;
}

/*
 * field-line = field-name ":" OWS field-value OWS (RFC 9112 5). No space
 * before the colon (5.1); a line starting with whitespace is obs-fold or
 * whitespace after the start line, both rejected (5.2, 2.2).
 */
static enum http_status
parse_field_line(const char *p, size_t n, struct head_fields *hf)
{
	const char *v;
	size_t i, name_len, vn;

	for (i = 0; i < n && is_tchar((unsigned char)p[i]); i++)
		;
	if (i == 0 || i == n || p[i] != ':')
		return HTTP_BAD;
	name_len = i;
	for (i++; i < n && is_ows(p[i]); i++)
		;
	v = p + i;
	vn = n - i;
	while (vn > 0 && is_ows(v[vn - 1]))
		vn--;
	for (i = 0; i < vn; i++)
		if (!is_field_value_char((unsigned char)v[i]))
			return HTTP_BAD;
	if (token_is(p, name_len, "content-length"))
		return field_content_length(v, vn, hf);
	if (token_is(p, name_len, "transfer-encoding"))
		return field_transfer_encoding(v, vn, hf);
	if (token_is(p, name_len, "connection"))
		field_connection(v, vn, hf);
	else if (token_is(p, name_len, "host") && hf->host_lines < UINT8_MAX)
		hf->host_lines++;
	return HTTP_OK;
}

/* Field lines up to and including the empty line that ends the head. */
static enum http_status
scan_fields(struct head_scan *sc, struct head_fields *hf)
{
	const char *line;
	size_t n;
	enum http_status st;

	memset(hf, 0, sizeof(*hf));
	for (;;) {
		st = scan_line(sc, &line, &n);
		if (st != HTTP_OK)
			return st;
		if (n == 0)
			return HTTP_OK;
		st = parse_field_line(line, n, hf);
		if (st != HTTP_OK)
			return st;
	}
}

/* Persistence defaults by version (RFC 9112 9.3); close wins over both. */
static uint8_t
keep_alive_of(uint8_t version_minor, const struct head_fields *hf)
{
	if (hf->conn_close)
		return 0;
	return version_minor >= 1 || hf->conn_keep_alive;
}

/*
 * Request framing (RFC 9112 6.3): Transfer-Encoding with Content-Length,
 * a final coding other than chunked, or any Transfer-Encoding in HTTP/1.0
 * (6.1) make the framing unreliable: 400 and close.
 */
static enum http_status
request_finish(const struct head_fields *hf, size_t head_len,
	       struct http_request *req)
{
	if (hf->has_te) {
		if (hf->has_cl || !hf->te_chunked_last ||
		    req->version_minor == 0)
			return HTTP_BAD;
		req->chunked = 1;
	}
	req->content_length = hf->has_cl ? hf->content_length : 0;
	req->has_body = req->chunked || req->content_length > 0;
	req->keep_alive = keep_alive_of(req->version_minor, hf);
	req->host_lines = hf->host_lines;
	req->head_len = (uint32_t)head_len;
	return HTTP_OK;
}

enum http_status
http_parse_request(const char *buf, size_t len, size_t limit,
		   struct http_request *req)
{
	struct head_scan sc;
	struct head_fields hf;
	enum http_status st;

	memset(req, 0, sizeof(*req));
	scan_init(&sc, buf, len, limit);
	st = scan_skip_empty_lines(&sc);
	if (st != HTTP_OK)
		return st;
	st = scan_request_line(&sc, req);
	if (st != HTTP_OK)
		return st;
	st = scan_fields(&sc, &hf);
	if (st != HTTP_OK)
		return st;
	return request_finish(&hf, sc.pos, req);
}

/*
 * Response framing (RFC 9112 6.3): 1xx, 204 and 304 never have a body;
 * Transfer-Encoding with Content-Length, or in HTTP/1.0, is rejected; a
 * final coding other than chunked means the body ends at close.
 */
static enum http_status
response_finish(const struct head_fields *hf, size_t head_len,
		struct http_response *resp)
{
	unsigned int s = resp->status;

	if (hf->has_te && (hf->has_cl || resp->version_minor == 0))
		return HTTP_BAD;
	resp->keep_alive = keep_alive_of(resp->version_minor, hf);
	if (s < 200 || s == 204 || s == 304) {
		resp->has_length = 1;
	} else if (hf->has_te) {
		resp->chunked = hf->te_chunked_last;
	} else {
		resp->has_length = hf->has_cl;
		resp->content_length = hf->content_length;
	}
	if (!resp->has_length && !resp->chunked)
		resp->keep_alive = 0;
	resp->head_len = (uint32_t)head_len;
	return HTTP_OK;
}

enum http_status
http_parse_response(const char *buf, size_t len, size_t limit,
		    struct http_response *resp)
{
	struct head_scan sc;
	struct head_fields hf;
	enum http_status st;
	const char *line;
	size_t n;

	memset(resp, 0, sizeof(*resp));
	scan_init(&sc, buf, len, limit);
	st = scan_line(&sc, &line, &n);
	if (st != HTTP_OK)
		return st;
	st = parse_status_line(line, n, resp);
	if (st != HTTP_OK)
		return st;
	st = scan_fields(&sc, &hf);
	if (st != HTTP_OK)
		return st;
	return response_finish(&hf, sc.pos, resp);
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
chunk_set(struct http_chunked *c, enum chunk_state s)
{
	c->state = (uint8_t)s;
	return 0;
}

/* End of a size line: data follows, or the trailer section (size 0). */
static int
chunk_size_done(struct http_chunked *c)
{
	return chunk_set(c, c->left == 0 ? CH_TRAILER_START : CH_DATA);
}

/*
 * chunk-size [ chunk-ext ] CRLF (RFC 9112 7.1): hex digits (overflow is an
 * error), BWS, then extensions, which are skipped: only CTLs are refused.
 */
static int
chunk_size_byte(struct http_chunked *c, unsigned char ch)
{
	int d = hex_value(ch);

	if (d >= 0 && (c->state == CH_SIZE_FIRST || c->state == CH_SIZE)) {
		if (c->left > (UINT64_MAX >> 4))
			return -1;
		c->left = (c->left << 4) | (uint64_t)d;
		return chunk_set(c, CH_SIZE);
	}
	if (c->state == CH_SIZE_FIRST)
		return -1;
	if (ch == '\r')
		return chunk_set(c, CH_SIZE_LF);
	if (ch == '\n')
		return chunk_size_done(c);
	if (c->state == CH_EXT)
		return is_field_value_char(ch) ? 0 : -1;
	if (is_ows((char)ch))
		return chunk_set(c, CH_SIZE_BWS);
	return ch == ';' ? chunk_set(c, CH_EXT) : -1;
}

/* trailer-section = *( field-line CRLF ) CRLF: lines skipped, CTLs refused. */
static int
chunk_trailer_byte(struct http_chunked *c, unsigned char ch)
{
	if (c->state == CH_TRAILER_START) {
		if (ch == '\r')
			return chunk_set(c, CH_FINAL_LF);
		if (ch == '\n')
			return chunk_set(c, CH_DONE);
		if (is_ows((char)ch))
			return -1;		/* obs-fold */
	}
	if (ch == '\r')
		return chunk_set(c, CH_TRAILER_LF);
	if (ch == '\n')
		return chunk_set(c, CH_TRAILER_START);
	if (!is_field_value_char(ch))
		return -1;
	return chunk_set(c, CH_TRAILER);
}

/* One framing byte (not chunk data); -1 on malformed framing. */
static int
chunk_byte(struct http_chunked *c, unsigned char ch)
{
	switch (c->state) {
	case CH_SIZE_FIRST:
	case CH_SIZE:
	case CH_SIZE_BWS:
	case CH_EXT:
		return chunk_size_byte(c, ch);
	case CH_SIZE_LF:
		return ch == '\n' ? chunk_size_done(c) : -1;
	case CH_DATA_CR:
		if (ch == '\r')
			return chunk_set(c, CH_DATA_LF);
		return ch == '\n' ? chunk_set(c, CH_SIZE_FIRST) : -1;
	case CH_DATA_LF:
		return ch == '\n' ? chunk_set(c, CH_SIZE_FIRST) : -1;
	case CH_TRAILER_START:
	case CH_TRAILER:
		return chunk_trailer_byte(c, ch);
	case CH_TRAILER_LF:
		return ch == '\n' ? chunk_set(c, CH_TRAILER_START) : -1;
	case CH_FINAL_LF:
		return ch == '\n' ? chunk_set(c, CH_DONE) : -1;
	default:
		return -1;
	}
}

long
http_chunked_feed(struct http_chunked *c, const char *buf, size_t len,
		  uint64_t *data_bytes)
{
	uint64_t data = 0;
	size_t i = 0;

	if (len > LONG_MAX)
		len = LONG_MAX;
	while (i < len && c->state != CH_DONE && c->state != CH_ERROR) {
		if (c->state == CH_DATA) {
			size_t take = len - i;

			if (take > c->left)
				take = (size_t)c->left;
			i += take;
			data += take;
			c->left -= take;
			if (c->left == 0)
				chunk_set(c, CH_DATA_CR);
		} else if (chunk_byte(c, (unsigned char)buf[i++]) != 0) {
			chunk_set(c, CH_ERROR);
		}
	}
	if (data_bytes != NULL)
		*data_bytes = data;
	c->done = c->state == CH_DONE;
	return c->state == CH_ERROR ? -1 : (long)i;
}

const char *
http_method_name(enum http_method m)
{
	if ((unsigned int)m >= HTTP_M_COUNT)
		return method_names[HTTP_M_UNKNOWN];
	return method_names[m];
}

const char *
http_reason(unsigned int status)
{
	size_t lo = 0, hi = sizeof(reasons) / sizeof(reasons[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (reasons[mid].status == status)
			return reasons[mid].text;
		if (reasons[mid].status < status)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (status >= 100 && status <= 599)
		return class_reasons[status / 100];
	return class_reasons[0];
}
