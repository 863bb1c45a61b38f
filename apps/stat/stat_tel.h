/* SPDX-License-Identifier: BSD-3-Clause
 *
 * tern-stat's DPDK telemetry client: one connection to a process's
 * /var/run/dpdk/<prefix>/dpdk_telemetry.v2 (SOCK_SEQPACKET; the server
 * greets with a JSON object, then answers each command string with
 * {"<command>": value}). No DPDK is linked: any tern process, app or
 * embedder, is read from outside, without hugepages or a secondary
 * process.
 */
#ifndef TERN_STAT_TEL_H
#define TERN_STAT_TEL_H

#include <jansson.h>

struct stat_tel {
	int fd;
	char path[256];
};

/* The telemetry socket path of file prefix `prefix` (DPDK's runtime
 * directory: /var/run/dpdk as root, else $XDG_RUNTIME_DIR/dpdk or /tmp/dpdk). */
void stat_tel_path(const char *prefix, char *out, size_t len);

/* Connect and read the greeting: 0, or -1 with a message on stderr. */
int stat_tel_open(struct stat_tel *t, const char *path);
void stat_tel_close(struct stat_tel *t);

/* Run `cmd`; the answer's value (a new reference), or NULL with a message
 * on stderr (no answer within 5 s, a closed socket, bad JSON, a null value:
 * the command failed in the process). */
json_t *stat_tel_cmd(struct stat_tel *t, const char *cmd);

#endif
