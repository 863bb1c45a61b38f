/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-load's target: `http://A.B.C.D[:port][/path]`. The host is an IPv4
 * literal (tern-load resolves nothing); the path is sent as given, so it
 * must be printable and free of spaces. Called once by load_opts.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load.h"

static int
path_ok(const char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#')
			return 0;
	return 1;
}

int
load_url_parse(struct load_url *u, const char *s, char *err, size_t err_len)
{
	static const char scheme[] = "http://";
	const char *host = s + sizeof(scheme) - 1, *end, *colon;
	char addr[INET_ADDRSTRLEN];
	struct in_addr in;
	unsigned long port = 80;
	size_t n;

	memset(u, 0, sizeof(*u));
	u->text = s;
	if (strncasecmp(s, scheme, sizeof(scheme) - 1) != 0)
		return snprintf(err, err_len, "bad URL '%s': expected http://A.B.C.D[:port]/path",
				s), -1;
	end = strchr(host, '/');
	if (end == NULL)
		end = host + strlen(host);
	colon = memchr(host, ':', (size_t)(end - host));
	n = (size_t)((colon != NULL ? colon : end) - host);
	if (n == 0 || n >= sizeof(addr))
		return snprintf(err, err_len, "bad URL '%s': the host must be an IPv4 address", s), -1;
	memcpy(addr, host, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return snprintf(err, err_len, "bad URL '%s': the host must be an IPv4 address", s), -1;
	if (colon != NULL) {
		char *pe;

		errno = 0;
		port = strtoul(colon + 1, &pe, 10);
		if (errno != 0 || pe != end || colon + 1 == end || port == 0 || port > 65535 ||
		    colon[1] == '+' || colon[1] == '-')
			return snprintf(err, err_len, "bad URL '%s': port must be 1..65535", s), -1;
	}
	if (*end == '\0')
		end = "/";
	if (strlen(end) > HTTP_MAX_PATH || !path_ok(end))
		return snprintf(err, err_len, "bad URL '%s': bad path", s), -1;
	u->addr = ntohl(in.s_addr);
	u->port = (uint16_t)port;
	strcpy(u->path, end);
	if (port == 80)
		snprintf(u->host, sizeof(u->host), "%s", addr);
	else
		snprintf(u->host, sizeof(u->host), "%s:%lu", addr, port);
	return 0;
}
