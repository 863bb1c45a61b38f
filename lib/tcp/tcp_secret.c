/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The per-boot secret behind everything TCP derives from a key: ISNs (RFC
 * 6528 3), timestamp offsets (RFC 7323 7.1) and SYN cookies (RFC 4987
 * 3.6). One secret per machine and boot, shared by every tern process, so
 * that a 4-tuple's sequence numbers and timestamps keep moving forwards
 * when one process ends and another opens the same 4-tuple (the peer's
 * TIME-WAIT and PAWS would otherwise refuse the new incarnation). It lives
 * in a file under /run (a tmpfs: a new boot, a new secret), mode 0600,
 * made by the first process that wants it: random bytes are written to a
 * private temporary file which is then published with link(2), which never
 * replaces an existing name, so processes racing to create it all end up
 * reading the one that won. tcp_table_create() calls tcp_secret_keys() once
 * per stack; the three keys are derived from the secret with libsodium's
 * KDF, so a key of one use says nothing about the others. A file that
 * cannot be read or made (no /run, a wrong owner or mode) is not fatal: the
 * stack logs why and uses a secret of its own process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_log.h>
#include <sodium.h>

#include "tcp/tcp_private.h"

RTE_LOG_REGISTER(tcp_secret_logtype, tern.tcp, INFO);

#define SECRET_DEFAULT_PATH "/run/tern/secret"
#define SECRET_KDF_CONTEXT "tern-tcp"	/* crypto_kdf_CONTEXTBYTES (8) */

enum secret_use {			/* KDF subkey ids: never renumber */
	SECRET_USE_TUPLE = 1,	/* ISN part and timestamp offset, one hash (2 was
				 * a key of its own for the offsets: retired) */
	SECRET_USE_COOKIE = 3,
};

_Static_assert(TCP_SECRET_LEN == crypto_kdf_KEYBYTES, "the secret is a KDF master key");
_Static_assert(sizeof(SECRET_KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES,
	       "KDF context is 8 bytes");

/* Read the whole secret from an open file; the file must be ours alone. */
static int
secret_read_fd(int fd, uint8_t *secret)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		return -EACCES;		/* readable by others: not a secret */
	if (st.st_size != TCP_SECRET_LEN)
		return -EINVAL;
	while (got < TCP_SECRET_LEN) {
		n = read(fd, secret + got, TCP_SECRET_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EINVAL;
		got += (size_t)n;
	}
	return 0;
}

static int
secret_read(const char *path, uint8_t *secret)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -errno;
	rc = secret_read_fd(fd, secret);
	close(fd);
	return rc;
}

/* The directory holding `path` (one level, mode 0700), if missing. */
static int
secret_dir_make(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make a new secret and publish it at `path`: complete before it gets its
 * name (link), and never over an existing one (-EEXIST: another process
 * was first; read its secret instead). */
static int
secret_create(const char *path, uint8_t *secret)
{
	char tmp[PATH_MAX];
	int fd, rc;

	rc = secret_dir_make(path);
	if (rc != 0)
		return rc;
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	randombytes_buf(secret, TCP_SECRET_LEN);
	rc = fchmod(fd, 0600) != 0 ? -errno : write_all(fd, secret, TCP_SECRET_LEN);
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && link(tmp, path) != 0)
		rc = -errno;
	unlink(tmp);
	return rc;
}

int
tcp_secret_load(const char *path, uint8_t *secret)
{
	int rc = secret_read(path, secret);

	if (rc != -ENOENT)
		return rc;
	rc = secret_create(path, secret);
	if (rc == -EEXIST)
		rc = secret_read(path, secret);
	return rc;
}

static const char *
secret_why(int rc)
{
	switch (rc) {
	case -EACCES:
		return "group or others may read it (must be 0600)";
	case -EPERM:
		return "not a regular file owned by this user";
	case -EINVAL:
		return "not " RTE_STR(TCP_SECRET_LEN) " bytes long";
	default:
		return strerror(-rc);
	}
}

static void
key_derive(uint8_t *key, size_t len, enum secret_use use, const uint8_t *secret)
{
	crypto_kdf_derive_from_key(key, len, use, SECRET_KDF_CONTEXT, secret);
}

void
tcp_secret_keys(const struct tern_config *cfg, struct tcp_table *t)
{
	const char *path = cfg->tcp_secret_file[0] != '\0' ? cfg->tcp_secret_file :
			   SECRET_DEFAULT_PATH;
	uint8_t secret[TCP_SECRET_LEN];
	int rc;

	if (strcmp(path, "none") == 0) {
		randombytes_buf(secret, sizeof(secret));
	} else {
		rc = tcp_secret_load(path, secret);
		if (rc != 0) {
			rte_log(RTE_LOG_WARNING, tcp_secret_logtype,
				"tern.tcp: secret %s: %s; using a secret of this process "
				"(ISNs and timestamps will not follow other tern processes)\n",
				path, secret_why(rc));
			randombytes_buf(secret, sizeof(secret));
		}
	}
	key_derive(t->tuple_key, sizeof(t->tuple_key), SECRET_USE_TUPLE, secret);
	key_derive(t->cookie_key, sizeof(t->cookie_key), SECRET_USE_COOKIE, secret);
	sodium_memzero(secret, sizeof(secret));
}
