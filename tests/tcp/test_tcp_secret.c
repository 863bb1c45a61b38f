/* SPDX-License-Identifier: BSD-3-Clause
 *
 * The per-boot secret (lib/tcp/tcp_secret.c; issue 11): two stacks made
 * one after the other with the same secret file (as two processes would)
 * derive the same ISN function (RFC 6528) and timestamp offsets (RFC 7323
 * 7.1) for a 4-tuple; the file is created 0600 in a 0700 directory;
 * processes racing to create it agree on one secret; a file others can
 * read, one of a wrong size, or a path that cannot be created are refused
 * and the stack falls back to a secret of its own; "none" is per process.
 * Files live in a scratch directory of this test, never under /run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "tcp_frames.h"

#define T_LADDR OUR_IP
#define T_LPORT 80
#define T_RADDR PEER_IP
#define T_RPORT 40000

struct fingerprint {
	uint32_t isn;			/* tcp_isn at time 0: F(4-tuple, key) */
	uint32_t ts_off;
	uint32_t isn2;			/* another 4-tuple */
};

static char scratch[64];

static int
scratch_setup(void **state)
{
	snprintf(scratch, sizeof(scratch), "/tmp/tern-secret-test-XXXXXX");
	assert_non_null(mkdtemp(scratch));
	return harness_setup(state);
}

static int
scratch_teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	assert_int_equal(system(cmd), 0);
	return tc_teardown(state);
}

/* A stack with `secret_file`, its fingerprint, and the stack freed. */
static struct fingerprint
stack_fingerprint(const char *secret_file)
{
	struct tern_config cfg;
	struct fingerprint f;
	struct tern_stack *s;

	tcfg_default(&cfg);
	snprintf(cfg.tcp_secret_file, sizeof(cfg.tcp_secret_file), "%s", secret_file);
	s = tstack_create(&cfg);
	/* the keyed parts: without the boot clock each stack starts from */
	f.isn = tcp_isn(s, T_LADDR, T_LPORT, T_RADDR, T_RPORT, 0) -
		(uint32_t)(s->tcp->boot_ns / 4000u);
	f.ts_off = tcp_ts_offset(s, T_LADDR, T_LPORT, T_RADDR, T_RPORT) -
		   (uint32_t)(s->tcp->boot_ns / NS_PER_MS);
	f.isn2 = tcp_isn(s, T_LADDR, T_LPORT, T_RADDR, T_RPORT + 1, 0) -
		 (uint32_t)(s->tcp->boot_ns / 4000u);
	tern_stack_free(s);
	return f;
}

static void
path_in_scratch(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", scratch, name);
}

static void
test_secret_shared_by_stacks(void **state)
{
	struct fingerprint a, b;
	char dir[128], path[160];
	struct stat st;

	(void)state;
	path_in_scratch(dir, sizeof(dir), "run-tern");
	snprintf(path, sizeof(path), "%s/secret", dir);
	a = stack_fingerprint(path);
	b = stack_fingerprint(path);
	assert_int_equal(a.isn, b.isn);
	assert_int_equal(a.ts_off, b.ts_off);
	assert_int_equal(a.isn2, b.isn2);
	assert_int_not_equal(a.isn, a.isn2);
	/* the keys are distinct uses of the secret */
	assert_int_not_equal(a.isn, a.ts_off);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, TCP_SECRET_LEN);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* no temporary file left beside it */
	snprintf(path, sizeof(path), "ls -A '%s' | grep -qv '^secret$'", dir);
	assert_int_not_equal(system(path), 0);
}

static void
test_secret_none_is_per_process(void **state)
{
	struct fingerprint a, b;

	(void)state;
	a = stack_fingerprint("none");
	b = stack_fingerprint("none");
	assert_int_not_equal(a.isn, b.isn);	/* 2^-32 to fail by chance */
	assert_int_not_equal(a.ts_off, b.ts_off);
}

static void
write_file(const char *path, size_t len, mode_t mode)
{
	uint8_t junk[64] = { 1 };
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, len, f), len);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Refused files: the stack still starts, on a secret of its own. */
static void
test_secret_bad_files_fall_back(void **state)
{
	uint8_t key[TCP_SECRET_LEN];
	struct fingerprint a, b;
	char path[160];

	(void)state;
	path_in_scratch(path, sizeof(path), "readable");
	write_file(path, TCP_SECRET_LEN, 0644);
	assert_int_equal(tcp_secret_load(path, key), -EACCES);
	a = stack_fingerprint(path);
	b = stack_fingerprint(path);
	assert_int_not_equal(a.isn, b.isn);

	path_in_scratch(path, sizeof(path), "short");
	write_file(path, 7, 0600);
	assert_int_equal(tcp_secret_load(path, key), -EINVAL);

	path_in_scratch(path, sizeof(path), "dir");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_true(tcp_secret_load(path, key) < 0);

	/* a directory that cannot be made (as /run on a read-only system) */
	assert_true(tcp_secret_load("/proc/tern-no-such/secret", key) < 0);
	a = stack_fingerprint("/proc/tern-no-such/secret");
	b = stack_fingerprint("/proc/tern-no-such/secret");
	assert_int_not_equal(a.isn, b.isn);
}

/* Processes racing to create the file all read the same secret. */
static void
test_secret_race(void **state)
{
	enum { N = 6, ROUNDS = 5 };
	uint8_t got[N][TCP_SECRET_LEN];
	int fds[N][2];
	char path[160];
	int r, i, status;

	(void)state;
	for (r = 0; r < ROUNDS; r++) {
		snprintf(path, sizeof(path), "%s/race%d/secret", scratch, r);
		for (i = 0; i < N; i++) {
			pid_t pid;

			assert_int_equal(pipe(fds[i]), 0);
			pid = fork();
			assert_true(pid >= 0);
			if (pid == 0) {
				uint8_t key[TCP_SECRET_LEN];
				int rc = tcp_secret_load(path, key);
				ssize_t n = rc == 0 ? write(fds[i][1], key, sizeof(key)) : -1;

				_exit(n == (ssize_t)sizeof(key) ? 0 : 1);
			}
			close(fds[i][1]);
		}
		for (i = 0; i < N; i++) {
			assert_int_equal(read(fds[i][0], got[i], TCP_SECRET_LEN),
					 TCP_SECRET_LEN);
			close(fds[i][0]);
		}
		for (i = 0; i < N; i++) {
			assert_true(wait(&status) > 0);
			assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		}
		for (i = 1; i < N; i++)
			assert_memory_equal(got[0], got[i], TCP_SECRET_LEN);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_secret_shared_by_stacks),
		T(test_secret_none_is_per_process),
		T(test_secret_bad_files_fall_back),
		T(test_secret_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
