/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Unit tests for the HTTP/1.x parsers (apps/common/http.c); no EAL. Table
 * tests give each malformed or edge-case request and response head with
 * the status it must produce; every table entry is also fed byte by byte
 * (every prefix) to check that the parser says HTTP_INCOMPLETE until it
 * can decide, and that its decision is the one it gives on the whole
 * input. Then: fields of parsed requests and responses (method, path,
 * version, keep-alive defaults and Connection lists, Content-Length and
 * Transfer-Encoding rules), pipelined requests walked by head_len, the
 * head limit and path limit, randomly mutated heads (fixed seed: no
 * crash, same verdict whole and in pieces), and the method and reason
 * tables. The chunked body decoder is test_http_chunked.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "http_mutate.h"

#define LIMIT 8192

struct head_case {
	const char *text;
	size_t len;
	enum http_status want;
};

/* Table data: a literal with its length (it may contain NUL bytes). */
#define HC(s, st) { s, sizeof(s) - 1, st }

static const struct head_case request_cases[] = {
	HC("GET / HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.0\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.1\n\n", HTTP_OK),
	HC("GET / HTTP/1.1\r\nHost: a\n\r\n", HTTP_OK),
	HC("\r\n\r\nGET / HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("\nGET / HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.2\r\n\r\n", HTTP_OK),
	HC("GET * HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("OPTIONS * HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("GET http://h/p?q=1#f HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("X-Y.Z!~ / HTTP/1.1\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.1\r\nX:\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.1\r\nX: \t v \t\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.1\r\nX: \x80\xff\r\n\r\n", HTTP_OK),
	HC("GET / HTTP/1.1\r\nX: a \"b\" (c)\r\n\r\n", HTTP_OK),
	/* request line */
	HC("GET  / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET /  HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC(" GET / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET\t/ HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET /\tHTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1 \r\n\r\n", HTTP_BAD),
	HC("GET /a\x01 HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET /a\x7f HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET /\xc3\xa9 HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET /\0 HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("\0GET / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("G(T / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET:x / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC(" / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET  HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET\r\n\r\n", HTTP_BAD),
	HC("GET \r\n\r\n", HTTP_BAD),
	HC("\r\n", HTTP_INCOMPLETE),
	HC("\rGET / HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("GET / http/1.1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.x\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.10\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/11.1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTPS/1.1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\rX\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/2.0\r\n\r\n", HTTP_BAD_VERSION),
	HC("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP_BAD_VERSION),
	HC("GET / HTTP/0.9\r\n\r\n", HTTP_BAD_VERSION),
	HC("GET / HTTP/3.0\r\n\r\n", HTTP_BAD_VERSION),
	HC("GET /\r\n", HTTP_BAD_VERSION),
	HC("GET /index.html\n", HTTP_BAD_VERSION),
	/* header fields */
	HC("GET / HTTP/1.1\r\nHost : a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\n Host: a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\n\tHost: a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\n: a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nHost a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\x01" "b\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\r\n\r\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nX: a\r\n\rX\r\n", HTTP_BAD),
	/* Content-Length */
	HC("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 1.0\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 1,1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 18446744073709551616\r\n\r\n",
	   HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	   HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
	   HTTP_OK),
	HC("GET / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
	   HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n",
	   HTTP_OK),
	HC("GET / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 05\r\n\r\n",
	   HTTP_OK),
	/* Transfer-Encoding */
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: ,\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	   HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	   "Transfer-Encoding: chunked\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	   "Transfer-Encoding: gzip\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chun ked\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	   "Content-Length: 5\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nContent-Length: 5\r\n"
	   "Transfer-Encoding: chunked\r\n\r\n", HTTP_BAD),
	HC("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_BAD),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: gzip;level=1 , chunked\r\n\r\n",
	   HTTP_OK),
	HC("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
	   "Transfer-Encoding: CHUNKED\r\n\r\n", HTTP_OK),
};

static const struct head_case response_cases[] = {
	HC("HTTP/1.1 200 OK\r\n\r\n", HTTP_OK),
	HC("HTTP/1.1 200\r\n\r\n", HTTP_OK),
	HC("HTTP/1.1 200 \r\n\r\n", HTTP_OK),
	HC("HTTP/1.1 404 Not  Found \t\r\n\r\n", HTTP_OK),
	HC("HTTP/1.0 599 x\n\n", HTTP_OK),
	HC("HTTP/1.1 099 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 600 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 20 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 2000 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 2x0 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1  200 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 200 O\x01K\r\n\r\n", HTTP_BAD),
	HC("http/1.1 200 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1\r\n\r\n", HTTP_BAD),
	HC("HTTP/2 200\r\n\r\n", HTTP_BAD),
	HC("HTTP/2.0 200 OK\r\n\r\n", HTTP_BAD_VERSION),
	HC("HTTP/0.9 200 OK\r\n\r\n", HTTP_BAD_VERSION),
	HC("\r\nHTTP/1.1 200 OK\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 200 OK\r\nServer : x\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	   HTTP_BAD),
	HC("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	   "Transfer-Encoding: chunked\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_BAD),
	HC("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", HTTP_OK),
};

static enum http_status
parse_req(const char *s, size_t len, size_t limit, struct http_request *r)
{
	return http_parse_request(s, len, limit, r);
}

static enum http_status
parse_resp(const char *s, size_t len, size_t limit, struct http_response *r)
{
	return http_parse_response(s, len, limit, r);
}

/* A request from a C string, which must parse OK. */
static struct http_request
request_ok(const char *s)
{
	struct http_request r;

	assert_int_equal(parse_req(s, strlen(s), LIMIT, &r), HTTP_OK);
	assert_int_equal(r.head_len, strlen(s));
	return r;
}

static struct http_response
response_ok(const char *s)
{
	struct http_response r;

	assert_int_equal(parse_resp(s, strlen(s), LIMIT, &r), HTTP_OK);
	assert_int_equal(r.head_len, strlen(s));
	return r;
}

/*
 * Every prefix must give HTTP_INCOMPLETE or the verdict of the whole input,
 * and once decided stay decided; a prefix that parses OK gives the same
 * struct as the whole.
 */
static void
check_request_prefixes(const char *s, size_t len, size_t limit)
{
	struct http_request whole, part;
	enum http_status w, st;
	int decided = 0;
	size_t i;

	w = parse_req(s, len, limit, &whole);
	for (i = 0; i <= len; i++) {
		st = parse_req(s, i, limit, &part);
		if (st == HTTP_INCOMPLETE && !decided)
			continue;
		if (st != w)
			fail_msg("prefix %zu of \"%.*s\": %d, whole %d",
				 i, (int)len, s, st, w);
		decided = 1;
		if (st == HTTP_OK)
			assert_memory_equal(&part, &whole, sizeof(part));
	}
}

static void
check_response_prefixes(const char *s, size_t len, size_t limit)
{
	struct http_response whole, part;
	enum http_status w, st;
	int decided = 0;
	size_t i;

	w = parse_resp(s, len, limit, &whole);
	for (i = 0; i <= len; i++) {
		st = parse_resp(s, i, limit, &part);
		if (st == HTTP_INCOMPLETE && !decided)
			continue;
		if (st != w)
			fail_msg("prefix %zu of \"%.*s\": %d, whole %d",
				 i, (int)len, s, st, w);
		decided = 1;
		if (st == HTTP_OK)
			assert_memory_equal(&part, &whole, sizeof(part));
	}
}

static void
test_request_table(void **state)
{
	struct http_request r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(request_cases) / sizeof(request_cases[0]); i++) {
		const struct head_case *c = &request_cases[i];
		enum http_status st = parse_req(c->text, c->len, LIMIT, &r);

		if (st != c->want)
			fail_msg("request case %zu \"%s\": got %d, want %d",
				 i, c->text, st, c->want);
		check_request_prefixes(c->text, c->len, LIMIT);
	}
}

static void
test_response_table(void **state)
{
	struct http_response r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(response_cases) / sizeof(response_cases[0]); i++) {
		const struct head_case *c = &response_cases[i];
		enum http_status st = parse_resp(c->text, c->len, LIMIT, &r);

		if (st != c->want)
			fail_msg("response case %zu \"%s\": got %d, want %d",
				 i, c->text, st, c->want);
		check_response_prefixes(c->text, c->len, LIMIT);
	}
}

static void
test_request_fields(void **state)
{
	struct http_request r;

	(void)state;
	r = request_ok("GET /index.html?a=b HTTP/1.1\r\nHost: x\r\n"
		       "User-Agent: t\r\n\r\n");
	assert_int_equal(r.method, HTTP_M_GET);
	assert_int_equal(r.version_minor, 1);
	assert_string_equal(r.path, "/index.html?a=b");
	assert_int_equal(r.path_len, 15);
	assert_int_equal(r.keep_alive, 1);
	assert_int_equal(r.has_body, 0);
	assert_int_equal(r.chunked, 0);
	assert_int_equal(r.content_length, 0);

	r = request_ok("POST /f HTTP/1.1\r\ncontent-LENGTH:  12 \r\n\r\n");
	assert_int_equal(r.method, HTTP_M_POST);
	assert_int_equal(r.content_length, 12);
	assert_int_equal(r.has_body, 1);

	r = request_ok("POST /f HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(r.has_body, 0);

	r = request_ok("PUT /f HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n");
	assert_int_equal(r.method, HTTP_M_PUT);
	assert_int_equal(r.chunked, 1);
	assert_int_equal(r.has_body, 1);

	r = request_ok("GET / HTTP/1.1\r\nContent-Length: 18446744073709551615"
		       "\r\n\r\n");
	assert_true(r.content_length == UINT64_MAX);

	/* a higher minor version is handled as 1.1 (RFC 9110 2.5) */
	r = request_ok("GET / HTTP/1.9\r\n\r\n");
	assert_int_equal(r.version_minor, 1);
	assert_int_equal(r.keep_alive, 1);

	/* leading empty lines are skipped but counted in head_len */
	r = request_ok("\r\n\nGET /x HTTP/1.0\r\n\r\n");
	assert_string_equal(r.path, "/x");
}

/* Host field lines are counted (case-insensitive name, any value, even
 * empty) for the server's RFC 9112 3.2 check; the parser accepts all. */
static void
test_host_lines(void **state)
{
	struct http_request r;

	(void)state;
	r = request_ok("GET / HTTP/1.1\r\n\r\n");
	assert_int_equal(r.host_lines, 0);
	r = request_ok("GET / HTTP/1.1\r\nhOST: a\r\n\r\n");
	assert_int_equal(r.host_lines, 1);
	r = request_ok("GET / HTTP/1.1\r\nHost:\r\n\r\n");
	assert_int_equal(r.host_lines, 1);
	r = request_ok("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nHost: a\r\n\r\n");
	assert_int_equal(r.host_lines, 2);
	r = request_ok("GET / HTTP/1.0\r\nHosts: a\r\nX-Host: b\r\n\r\n");
	assert_int_equal(r.host_lines, 0);
}

static void
test_methods(void **state)
{
	static const struct {
		const char *line;
		enum http_method m;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", HTTP_M_GET },
		{ "HEAD / HTTP/1.1\r\n\r\n", HTTP_M_HEAD },
		{ "POST / HTTP/1.1\r\n\r\n", HTTP_M_POST },
		{ "PUT / HTTP/1.1\r\n\r\n", HTTP_M_PUT },
		{ "DELETE / HTTP/1.1\r\n\r\n", HTTP_M_DELETE },
		{ "OPTIONS * HTTP/1.1\r\n\r\n", HTTP_M_OPTIONS },
		{ "PATCH / HTTP/1.1\r\n\r\n", HTTP_M_PATCH },
		{ "get / HTTP/1.1\r\n\r\n", HTTP_M_OTHER },
		{ "GETS / HTTP/1.1\r\n\r\n", HTTP_M_OTHER },
		{ "GE / HTTP/1.1\r\n\r\n", HTTP_M_OTHER },
		{ "PROPFIND / HTTP/1.1\r\n\r\n", HTTP_M_OTHER },
		{ "M-SEARCH * HTTP/1.1\r\n\r\n", HTTP_M_OTHER },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(request_ok(cases[i].line).method, cases[i].m);
	assert_string_equal(http_method_name(HTTP_M_GET), "GET");
	assert_string_equal(http_method_name(HTTP_M_HEAD), "HEAD");
	assert_string_equal(http_method_name(HTTP_M_POST), "POST");
	assert_string_equal(http_method_name(HTTP_M_PUT), "PUT");
	assert_string_equal(http_method_name(HTTP_M_DELETE), "DELETE");
	assert_string_equal(http_method_name(HTTP_M_OPTIONS), "OPTIONS");
	assert_string_equal(http_method_name(HTTP_M_PATCH), "PATCH");
	assert_string_equal(http_method_name(HTTP_M_OTHER), "OTHER");
	assert_string_equal(http_method_name(HTTP_M_UNKNOWN), "UNKNOWN");
	assert_string_equal(http_method_name((enum http_method)99), "UNKNOWN");
}

static void
test_keep_alive(void **state)
{
	static const struct {
		const char *head;
		uint8_t keep_alive;
	} cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nconnection: foo, ,KEEP-ALIVE ,\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: keep-alive,close\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
		  "Connection: close\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nConnection: closed\r\n\r\n", 1 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive-ish\r\n\r\n", 0 },
		{ "GET / HTTP/1.0\r\nKeep-Alive: timeout=5\r\n\r\n", 0 },
		{ "GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n", 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request r = request_ok(cases[i].head);

		if (r.keep_alive != cases[i].keep_alive)
			fail_msg("case %zu: keep_alive %u", i, r.keep_alive);
	}
}

/* GET, POST with a body, HEAD and a chunked PUT in one buffer. */
static void
test_pipelined(void **state)
{
	static const char stream[] =
		"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
		"POST /b HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"
		"HEAD /c HTTP/1.1\r\n\r\n"
		"PUT /d HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"3\r\nabc\r\n0\r\n\r\n"
		"GET /e HTTP/1.0\r\n\r\n"
		"GET /f HT";
	static const char *const paths[] = { "/a", "/b", "/c", "/d", "/e" };
	static const enum http_method methods[] = {
		HTTP_M_GET, HTTP_M_POST, HTTP_M_HEAD, HTTP_M_PUT, HTTP_M_GET,
	};
	size_t off = 0, len = sizeof(stream) - 1;
	struct http_request r;
	int n;

	(void)state;
	for (n = 0; n < 5; n++) {
		assert_int_equal(parse_req(stream + off, len - off, LIMIT, &r),
				 HTTP_OK);
		assert_string_equal(r.path, paths[n]);
		assert_int_equal(r.method, methods[n]);
		off += r.head_len;
		if (r.chunked) {
			struct http_chunked c;
			uint64_t data;
			long used;

			memset(&c, 0, sizeof(c));
			used = http_chunked_feed(&c, stream + off, len - off,
						 &data);
			assert_true(used > 0);
			assert_int_equal(c.done, 1);
			assert_int_equal(data, 3);
			off += (size_t)used;
		} else {
			off += r.content_length;
		}
	}
	assert_int_equal(r.keep_alive, 0);
	assert_int_equal(parse_req(stream + off, len - off, LIMIT, &r),
			 HTTP_INCOMPLETE);
}

/* A request whose head is exactly `total` bytes long. */
static size_t
make_head(char *buf, size_t total)
{
	static const char start[] = "GET / HTTP/1.1\r\nX: ";
	size_t fill = total - (sizeof(start) - 1) - 4;

	memcpy(buf, start, sizeof(start) - 1);
	memset(buf + sizeof(start) - 1, 'v', fill);
	memcpy(buf + total - 4, "\r\n\r\n", 4);
	return total;
}

static void
test_head_limit(void **state)
{
	static char buf[20000];
	struct http_request r;
	size_t len = make_head(buf, 100);

	(void)state;
	assert_int_equal(parse_req(buf, len, 100, &r), HTTP_OK);
	assert_int_equal(r.head_len, 100);
	assert_int_equal(parse_req(buf, len, 99, &r), HTTP_TOO_LARGE);
	/* undecided before the limit, too large at it */
	assert_int_equal(parse_req(buf, 50, 51, &r), HTTP_INCOMPLETE);
	assert_int_equal(parse_req(buf, 50, 50, &r), HTTP_TOO_LARGE);
	assert_int_equal(parse_req(buf, 51, 50, &r), HTTP_TOO_LARGE);
	/* bytes after the head do not count */
	memcpy(buf + 100, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(parse_req(buf, 116, 100, &r), HTTP_OK);
	/* one long header line */
	len = make_head(buf, sizeof(buf));
	assert_int_equal(parse_req(buf, len, LIMIT, &r), HTTP_TOO_LARGE);
	assert_int_equal(parse_req(buf, LIMIT - 1, LIMIT, &r), HTTP_INCOMPLETE);
	assert_int_equal(parse_req(buf, LIMIT, LIMIT, &r), HTTP_TOO_LARGE);
	/* many short ones */
	for (len = 16; len + 6 < sizeof(buf); len += 6)
		memcpy(buf + len, "X: y\r\n", 6);
	assert_int_equal(parse_req(buf, len, LIMIT, &r), HTTP_TOO_LARGE);
	/* bad bytes inside the limit win over the limit */
	assert_int_equal(parse_req("GET / HTTP/1.1\r\nX y\r\n", 21, 21, &r),
			 HTTP_BAD);
}

static void
test_path_limit(void **state)
{
	static char buf[HTTP_MAX_PATH + 64];
	struct http_request r;
	size_t len;

	(void)state;
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'p', HTTP_MAX_PATH - 1);
	len = 5 + HTTP_MAX_PATH - 1;
	memcpy(buf + len, " HTTP/1.1\r\n\r\n", 13);
	assert_int_equal(parse_req(buf, len + 13, LIMIT, &r), HTTP_OK);
	assert_int_equal(r.path_len, HTTP_MAX_PATH);
	assert_int_equal(strlen(r.path), HTTP_MAX_PATH);
	assert_int_equal(r.path[0], '/');
	check_request_prefixes(buf, len + 13, LIMIT);

	buf[len] = 'p';
	memcpy(buf + len + 1, " HTTP/1.1\r\n\r\n", 13);
	assert_int_equal(parse_req(buf, len + 14, LIMIT, &r), HTTP_URI_TOO_LONG);
	/* known before the end of the line */
	assert_int_equal(parse_req(buf, len + 1, LIMIT, &r), HTTP_URI_TOO_LONG);
	assert_int_equal(parse_req(buf, len, LIMIT, &r), HTTP_INCOMPLETE);
	check_request_prefixes(buf, len + 14, LIMIT);
	/* a head limit below the path: too large first */
	assert_int_equal(parse_req(buf, len + 14, 512, &r), HTTP_TOO_LARGE);
}

/* Bad request lines are refused before their end arrives. */
static void
test_early_reject(void **state)
{
	struct http_request r;

	(void)state;
	assert_int_equal(parse_req("G(", 2, LIMIT, &r), HTTP_BAD);
	assert_int_equal(parse_req("\x16\x03\x01", 3, LIMIT, &r), HTTP_BAD);
	assert_int_equal(parse_req("GET  ", 5, LIMIT, &r), HTTP_BAD);
	assert_int_equal(parse_req("GET / X", 7, LIMIT, &r), HTTP_BAD);
	assert_int_equal(parse_req("GET / HTTP/1.1x", 15, LIMIT, &r), HTTP_BAD);
	assert_int_equal(parse_req("GET / HTTP/2", 12, LIMIT, &r),
			 HTTP_INCOMPLETE);
	assert_int_equal(parse_req("GET /\r", 6, LIMIT, &r), HTTP_INCOMPLETE);
	assert_int_equal(parse_req("GET / HTTP/1.1\r", 15, LIMIT, &r),
			 HTTP_INCOMPLETE);
	assert_int_equal(parse_req("", 0, LIMIT, &r), HTTP_INCOMPLETE);
	assert_int_equal(parse_req("\r", 1, LIMIT, &r), HTTP_INCOMPLETE);
}

static void
test_response_fields(void **state)
{
	struct http_response r;

	(void)state;
	r = response_ok("HTTP/1.1 200 OK\r\n"
			"Server: nginx/1.22.1\r\n"
			"Date: Mon, 24 Nov 2025 21:36:00 GMT\r\n"
			"Content-Type: text/html\r\n"
			"Content-Length: 615\r\n"
			"Last-Modified: Tue, 13 Jun 2023 15:08:10 GMT\r\n"
			"Connection: keep-alive\r\n"
			"ETag: \"6488865a-267\"\r\n"
			"Accept-Ranges: bytes\r\n\r\n");
	assert_int_equal(r.status, 200);
	assert_int_equal(r.version_minor, 1);
	assert_int_equal(r.keep_alive, 1);
	assert_int_equal(r.has_length, 1);
	assert_int_equal(r.chunked, 0);
	assert_int_equal(r.content_length, 615);

	r = response_ok("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n"
			"Content-Type: application/json\r\n"
			"Transfer-Encoding: chunked\r\n"
			"Connection: keep-alive\r\n\r\n");
	assert_int_equal(r.chunked, 1);
	assert_int_equal(r.has_length, 0);
	assert_int_equal(r.keep_alive, 1);

	r = response_ok("HTTP/1.1 404 Not Found\r\nServer: nginx\r\n"
			"Content-Type: text/html\r\nContent-Length: 153\r\n"
			"Connection: close\r\n\r\n");
	assert_int_equal(r.status, 404);
	assert_int_equal(r.keep_alive, 0);
	assert_int_equal(r.content_length, 153);

	r = response_ok("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n");
	assert_int_equal(r.version_minor, 0);
	assert_int_equal(r.keep_alive, 0);
	r = response_ok("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
			"Content-Length: 3\r\n\r\n");
	assert_int_equal(r.keep_alive, 1);
}

/* RFC 9112 6.3: bodies of 1xx/204/304, read-until-close, TE not chunked. */
static void
test_response_framing(void **state)
{
	struct http_response r;

	(void)state;
	r = response_ok("HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(r.has_length, 1);
	assert_int_equal(r.content_length, 0);
	assert_int_equal(r.keep_alive, 1);
	r = response_ok("HTTP/1.1 304 Not Modified\r\nContent-Length: 1234\r\n\r\n");
	assert_int_equal(r.has_length, 1);
	assert_int_equal(r.content_length, 0);
	r = response_ok("HTTP/1.1 100 Continue\r\n\r\n");
	assert_int_equal(r.status, 100);
	assert_int_equal(r.has_length, 1);

	r = response_ok("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n");
	assert_int_equal(r.has_length, 0);
	assert_int_equal(r.chunked, 0);
	assert_int_equal(r.keep_alive, 0);

	r = response_ok("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n");
	assert_int_equal(r.chunked, 0);
	assert_int_equal(r.has_length, 0);
	assert_int_equal(r.keep_alive, 0);

	r = response_ok("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(r.has_length, 1);
	assert_int_equal(r.content_length, 0);
	assert_int_equal(r.keep_alive, 1);
}

static void
test_response_pipelined_and_limit(void **state)
{
	static const char stream[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
		"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
		"HTTP/1.1 200 OK\r\nCont";
	size_t off = 0, len = sizeof(stream) - 1;
	struct http_response r;

	(void)state;
	assert_int_equal(parse_resp(stream, len, LIMIT, &r), HTTP_OK);
	assert_int_equal(r.status, 200);
	off += r.head_len + r.content_length;
	assert_int_equal(parse_resp(stream + off, len - off, LIMIT, &r), HTTP_OK);
	assert_int_equal(r.status, 404);
	off += r.head_len;
	assert_int_equal(parse_resp(stream + off, len - off, LIMIT, &r),
			 HTTP_INCOMPLETE);
	assert_int_equal(parse_resp(stream + off, len - off, len - off, &r),
			 HTTP_TOO_LARGE);
	assert_int_equal(parse_resp(stream, 38, 38, &r), HTTP_OK);
	assert_int_equal(r.head_len, 38);
	assert_int_equal(parse_resp(stream, 38, 37, &r), HTTP_TOO_LARGE);
}
/* Mutated heads: no crash, and byte-by-byte equals whole, at two limits. */
static void
test_mutations(void **state)
{
	static const char *const reqs[] = {
		"GET /a/b?c=d HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
		"POST / HTTP/1.0\r\nContent-Length: 12\r\n"
		"Connection: keep-alive\r\n\r\n",
		"PUT /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	};
	static const char *const resps[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 615\r\n"
		"Connection: keep-alive\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	};
	char buf[256];
	uint64_t x = 0x853c49e6748fea9bull;
	size_t len;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		const char *seed = reqs[i % 3];

		len = strlen(seed);
		memcpy(buf, seed, len);
		len = mutate(buf, len, sizeof(buf), &x);
		check_request_prefixes(buf, len, LIMIT);
		check_request_prefixes(buf, len, 40);
		seed = resps[i % 2];
		len = strlen(seed);
		memcpy(buf, seed, len);
		len = mutate(buf, len, sizeof(buf), &x);
		check_response_prefixes(buf, len, LIMIT);
		check_response_prefixes(buf, len, 30);
	}
}

static void
test_reasons(void **state)
{
	(void)state;
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(100), "Continue");
	assert_string_equal(http_reason(204), "No Content");
	assert_string_equal(http_reason(304), "Not Modified");
	assert_string_equal(http_reason(400), "Bad Request");
	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(414), "URI Too Long");
	assert_string_equal(http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(http_reason(500), "Internal Server Error");
	assert_string_equal(http_reason(505), "HTTP Version Not Supported");
	assert_string_equal(http_reason(299), "Success");
	assert_string_equal(http_reason(499), "Client Error");
	assert_string_equal(http_reason(0), "Unknown");
	assert_string_equal(http_reason(600), "Unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_table),
		cmocka_unit_test(test_response_table),
		cmocka_unit_test(test_request_fields),
		cmocka_unit_test(test_host_lines),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_path_limit),
		cmocka_unit_test(test_early_reject),
		cmocka_unit_test(test_response_fields),
		cmocka_unit_test(test_response_framing),
		cmocka_unit_test(test_response_pipelined_and_limit),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests_name("app_http", tests, NULL, NULL);
}
