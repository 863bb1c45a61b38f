/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Fuzz target: tern-httpd's request parser (apps/common/http.c). The input
 * is the bytes a client sent; the head is parsed with the server's limit
 * (8 KiB) and, when it parses, checked against what an incremental parser
 * owes its caller: the head fits the bytes and the limit, the fields are
 * in range, the head alone parses to the same request, no prefix of it is
 * taken as complete or rejected, and a limit of exactly its length is
 * enough while one byte less is not (the server parses whatever part of a
 * request has arrived). A chunked body after the head is decoded in one
 * call and again byte by byte: both must agree on bytes consumed, payload
 * bytes, completion and error. A broken rule aborts (the fuzzer reports
 * it). Pure C: no EAL. Built as a libFuzzer target with clang
 * (-Dfuzz=true) and, for the regular suites, linked with replay.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../apps/common/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define HEAD_LIMIT 8192u		/* tern-httpd's HTTPD_HEAD_LIMIT */

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int
same_request(const struct http_request *a, const struct http_request *b)
{
	return a->method == b->method && a->version_minor == b->version_minor &&
	       a->keep_alive == b->keep_alive && a->has_body == b->has_body &&
	       a->chunked == b->chunked && a->host_lines == b->host_lines &&
	       a->content_length == b->content_length && a->head_len == b->head_len &&
	       a->path_len == b->path_len && memcmp(a->path, b->path, a->path_len) == 0;
}

static void
check_fields(const struct http_request *req, size_t size)
{
	check(req->head_len > 0 && req->head_len <= size && req->head_len <= HEAD_LIMIT);
	check(req->method < HTTP_M_COUNT && req->method != HTTP_M_UNKNOWN);
	check(req->version_minor <= 1 && req->keep_alive <= 1);
	check(req->path_len <= HTTP_MAX_PATH && req->path[req->path_len] == '\0');
	check(strlen(req->path) == req->path_len);
	check(req->has_body == (req->chunked || req->content_length > 0));
}

/* Every prefix of a complete head is incomplete (sampled when long). */
static void
check_prefixes(const char *buf, const struct http_request *req)
{
	static struct http_request part;
	size_t cut, step = req->head_len > 256 ? req->head_len / 64 : 1;

	for (cut = 0; cut < req->head_len; cut += (cut < 128 ? 1 : step))
		check(http_parse_request(buf, cut, HEAD_LIMIT, &part) == HTTP_INCOMPLETE);
	check(http_parse_request(buf, req->head_len, HEAD_LIMIT, &part) == HTTP_OK);
	check(same_request(req, &part));
}

/* The limit is inclusive: a head of exactly `limit` bytes parses, one
 * byte less of limit does not. */
static void
check_limit(const char *buf, size_t size, const struct http_request *req)
{
	static struct http_request part;

	check(http_parse_request(buf, size, req->head_len, &part) == HTTP_OK);
	check(same_request(req, &part));
	check(http_parse_request(buf, size, req->head_len - 1, &part) != HTTP_OK);
}

/* A chunked body: one call and byte by byte agree. */
static void
check_chunked(const char *body, size_t len)
{
	struct http_chunked whole = { 0 }, step = { 0 };
	uint64_t data = 0, d1, sum = 0;
	long used = http_chunked_feed(&whole, body, len, &data), r;
	size_t i;
	int err = 0;

	check(used < 0 || ((size_t)used <= len && data <= (uint64_t)used));
	check(used < 0 || (size_t)used == len || whole.done);
	for (i = 0; i < len && !step.done; i++) {
		r = http_chunked_feed(&step, body + i, 1, &d1);
		if (r < 0) {
			err = 1;
			break;
		}
		check(r == 1 && d1 <= 1);
		sum += d1;
	}
	check(err == (used < 0));
	if (!err)
		check((size_t)used == i && sum == data && step.done == whole.done);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	const char *buf = (const char *)data;

	if (size > 3 * HEAD_LIMIT)
		return 0;
	if (http_parse_request(buf, size, HEAD_LIMIT, &req) != HTTP_OK)
		return 0;
	check_fields(&req, size);
	check_prefixes(buf, &req);
	check_limit(buf, size, &req);
	if (req.chunked)
		check_chunked(buf + req.head_len, size - req.head_len);
	return 0;
}
