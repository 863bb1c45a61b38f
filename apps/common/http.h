/* SPDX-License-Identifier: BSD-3-Clause
 *
 * HTTP/1.x message parsing for tern-httpd (requests) and tern-load
 * (responses): incremental, over contiguous bytes the caller accumulates,
 * bounded (a header section larger than the caller's limit is an error the
 * server answers with 431), never allocating. Pure C, no DPDK.
 */
#ifndef TERN_APP_HTTP_H
#define TERN_APP_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum http_method {
	HTTP_M_UNKNOWN = 0,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_OPTIONS,
	HTTP_M_PATCH,
	HTTP_M_OTHER,		/* syntactically valid token we do not know */
	HTTP_M_COUNT,		/* sentinel: sizes the name table */
};

/* Parse results. */
enum http_status {
	HTTP_OK = 0,		/* a complete message head was parsed */
	HTTP_INCOMPLETE,	/* need more bytes */
	HTTP_BAD,		/* malformed: answer 400 (request) / error (response) */
	HTTP_TOO_LARGE,		/* head exceeds the limit: answer 431 */
	HTTP_BAD_VERSION,	/* not HTTP/1.0 or HTTP/1.1: answer 505 */
	HTTP_URI_TOO_LONG,	/* request-target > HTTP_MAX_PATH: answer 414 */
};

#define HTTP_MAX_PATH 1024

struct http_request {
	enum http_method method;
	uint8_t version_minor;		/* 0 or 1 */
	uint8_t keep_alive;		/* after Connection: and version defaults */
	uint8_t has_body;		/* Content-Length > 0 or chunked */
	uint8_t chunked;		/* Transfer-Encoding: chunked */
	uint8_t host_lines;		/* Host field lines (saturating): the
					 * server applies RFC 9112 3.2 */
	uint64_t content_length;
	uint32_t head_len;		/* bytes of request line + headers + CRLFCRLF */
	uint16_t path_len;
	char path[HTTP_MAX_PATH + 1];	/* NUL-terminated, as sent (no decoding) */
};

struct http_response {
	uint16_t status;		/* 100..599 */
	uint8_t version_minor;
	uint8_t keep_alive;
	uint8_t chunked;
	uint8_t has_length;		/* Content-Length present; also set (with
					 * content_length 0) for 1xx, 204 and
					 * 304, which never have a body. Neither
					 * this nor chunked: body ends at close
					 * (keep_alive is then 0). */
	uint64_t content_length;
	uint32_t head_len;
};

/* Parse a request head from `buf` (`len` bytes). `limit` bounds the head
 * (e.g. 8192). On HTTP_OK, *req is filled and req->head_len says where the
 * body (if any) or the next pipelined request starts. */
enum http_status http_parse_request(const char *buf, size_t len, size_t limit,
				    struct http_request *req);

/* Parse a response head. A response to HEAD has no body whatever its
 * Content-Length says: the caller knows and ignores content_length. */
enum http_status http_parse_response(const char *buf, size_t len, size_t limit,
				     struct http_response *resp);

/* Incremental chunked-body decoder (for responses and request bodies).
 * A zeroed struct is the initial state; zero it again for the next body. */
struct http_chunked {
	uint8_t state;
	uint64_t left;			/* bytes left in the current chunk */
	uint8_t done;			/* last chunk and trailers consumed */
};

/* Consume up to `len` bytes of chunked framing; returns bytes consumed
 * (the decoder needs no copy of the data), or -1 on malformed framing.
 * *data_bytes gets how many of them were payload. */
long http_chunked_feed(struct http_chunked *c, const char *buf, size_t len,
		       uint64_t *data_bytes);

/* "GET", "HEAD", ... */
const char *http_method_name(enum http_method m);
/* Reason phrase for a status code ("OK", "Not Found", ...). */
const char *http_reason(unsigned int status);

#endif
