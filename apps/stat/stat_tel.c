/* SPDX-License-Identifier: BSD-3-Clause
 *
 * DPDK telemetry over its unix socket; see stat_tel.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "stat_tel.h"

#define TEL_BUF 65536			/* answers are at most 16 KiB in 22.11 */
#define TEL_TIMEOUT_S 5

void
stat_tel_path(const char *prefix, char *out, size_t len)
{
	const char *base = "/var/run/dpdk";
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char tmp[200];

	if (getuid() != 0) {
		snprintf(tmp, sizeof(tmp), "%s/dpdk", xdg != NULL ? xdg : "/tmp");
		base = tmp;
	}
	snprintf(out, len, "%s/%s/dpdk_telemetry.v2", base, prefix);
}

static json_t *
recv_json(struct stat_tel *t)
{
	char *buf = malloc(TEL_BUF);
	json_error_t jerr;
	json_t *j;
	ssize_t n;

	if (buf == NULL)
		return NULL;
	n = recv(t->fd, buf, TEL_BUF - 1, 0);
	if (n <= 0) {
		fprintf(stderr, "tern-stat: %s: %s\n", t->path,
			n == 0 ? "closed by the process" :
			errno == EAGAIN ? "no answer within 5 s" : strerror(errno));
		free(buf);
		return NULL;
	}
	j = json_loadb(buf, (size_t)n, 0, &jerr);
	if (j == NULL)
		fprintf(stderr, "tern-stat: %s: bad JSON: %s\n", t->path, jerr.text);
	free(buf);
	return j;
}

int
stat_tel_open(struct stat_tel *t, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = TEL_TIMEOUT_S };
	json_t *hello;

	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	t->fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (t->fd < 0) {
		perror("tern-stat: socket");
		return -1;
	}
	setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(t->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "tern-stat: %s: %s (is a tern process running with this "
			"--file-prefix?)\n", path, strerror(errno));
		stat_tel_close(t);
		return -1;
	}
	hello = recv_json(t);
	if (hello == NULL) {
		stat_tel_close(t);
		return -1;
	}
	json_decref(hello);
	return 0;
}

void
stat_tel_close(struct stat_tel *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

json_t *
stat_tel_cmd(struct stat_tel *t, const char *cmd)
{
	json_t *ans, *v = NULL;
	const char *key;
	json_t *val;

	if (send(t->fd, cmd, strlen(cmd), 0) < 0) {
		fprintf(stderr, "tern-stat: %s: %s\n", t->path, strerror(errno));
		return NULL;
	}
	ans = recv_json(t);
	if (ans == NULL)
		return NULL;
	json_object_foreach(ans, key, val) {
		v = json_incref(val);
		break;
	}
	json_decref(ans);
	if (v == NULL || json_is_null(v)) {
		fprintf(stderr, "tern-stat: %s: the process has no answer to %s (not a "
			"tern process, or an older one)\n", t->path, cmd);
		json_decref(v);
		return NULL;
	}
	return v;
}
