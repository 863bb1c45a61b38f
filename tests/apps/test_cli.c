/* SPDX-License-Identifier: BSD-3-Clause
 *
 * apps/common/cli.c: the number parsers every app uses (counts decimal,
 * sizes binary, durations with units), the `--` split, the option driver
 * (--help/--version, repeated and unknown flags, --config before other
 * flags, positionals) and the result-file check. No EAL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <rte_common.h>

#include <tern/config.h>

#include "cli.h"


static void
test_count(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 }, { "7", 7 }, { "10k", 10000 }, { "10K", 10000 }, { "2M", 2000000 },
		{ "1G", 1000000000 }, { "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "1.5k", "1m", "1Ki", "k", "1e3",
		"18446744073709551616", "20000000000G",
	};
	uint64_t v;
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(good); k++) {
		v = 12345;
		if (cli_parse_count(good[k].s, 0, UINT64_MAX, &v) != 0 || v != good[k].v)
			fail_msg("'%s' -> %llu", good[k].s, (unsigned long long)v);
	}
	for (k = 0; k < RTE_DIM(bad); k++) {
		v = 12345;
		if (cli_parse_count(bad[k], 0, UINT64_MAX, &v) == 0 || v != 12345)
			fail_msg("accepted '%s'", bad[k]);
	}
	assert_int_equal(cli_parse_count("100", 1, 99, &v), -1);
	assert_int_equal(cli_parse_count("0", 1, 99, &v), -1);
	assert_int_equal(cli_parse_count("1k", 1, 999, &v), -1);
	assert_int_equal(cli_parse_count("1k", 1, 1000, &v), 0);
}

static void
test_size(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(cli_parse_size("16M", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 16u << 20);
	assert_int_equal(cli_parse_size("64k", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cli_parse_size("64K", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(cli_parse_size("2G", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(cli_parse_size("1000", 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(cli_parse_size("64M", 0, 64u << 20, &v), 0);
	assert_int_equal(cli_parse_size("65M", 0, 64u << 20, &v), -1);
	assert_int_equal(cli_parse_size("16MB", 0, UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_size("-1", 0, UINT64_MAX, &v), -1);
	assert_int_equal(cli_parse_size("17179869184G", 0, UINT64_MAX, &v), -1);
}

static void
test_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t unit, ns;
	} good[] = {
		{ "10", CLI_NS_PER_S, 10 * CLI_NS_PER_S }, { "2.5", CLI_NS_PER_S, 2500000000ull },
		{ "250ms", CLI_NS_PER_S, 250000000ull }, { "500us", CLI_NS_PER_S, 500000 },
		{ "2m", CLI_NS_PER_S, 120 * CLI_NS_PER_S }, { "1h", CLI_NS_PER_S, 3600 * CLI_NS_PER_S },
		{ "7ns", CLI_NS_PER_S, 7 }, { ".5s", CLI_NS_PER_S, 500000000ull },
		{ "5.", CLI_NS_PER_S, 5 * CLI_NS_PER_S }, { "200", 1000000, 200000000ull },
		{ "1s", 1000000, CLI_NS_PER_S }, { "500", 1000, 500000 },
	};
	static const char *const bad[] = {
		"", "-1", "+1", "1e3", "0x10", "inf", "nan", "1.2.3", ".", "5x", "5 s", "5S",
		"1ms5", " 1",
	};
	uint64_t v;
	unsigned int k;

	(void)state;
	for (k = 0; k < RTE_DIM(good); k++) {
		v = 0;
		if (cli_parse_duration(good[k].s, good[k].unit, 0, UINT32_MAX * CLI_NS_PER_S, &v) != 0 ||
		    v != good[k].ns)
			fail_msg("'%s' -> %llu ns", good[k].s, (unsigned long long)v);
	}
	for (k = 0; k < RTE_DIM(bad); k++)
		if (cli_parse_duration(bad[k], CLI_NS_PER_S, 0, UINT32_MAX * CLI_NS_PER_S, &v) == 0)
			fail_msg("accepted '%s'", bad[k]);
	assert_int_equal(cli_parse_duration("0", CLI_NS_PER_S, 1, CLI_NS_PER_S, &v), -1);
	assert_int_equal(cli_parse_duration("0", CLI_NS_PER_S, 0, CLI_NS_PER_S, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_duration("0.4ns", CLI_NS_PER_S, 1, CLI_NS_PER_S, &v), -1);
	assert_int_equal(cli_parse_duration("1001ms", CLI_NS_PER_S, 1, CLI_NS_PER_S, &v), -1);
	assert_int_equal(cli_parse_duration("1000ms", CLI_NS_PER_S, 1, CLI_NS_PER_S, &v), 0);
	assert_int_equal(cli_parse_duration("999us", CLI_NS_PER_S, 1000000, CLI_NS_PER_S, &v), -1);
}

static void
test_split(void **state)
{
	char a0[] = "prog", a1[] = "-l", a2[] = "0", a3[] = "--", a4[] = "--ip", a5[] = "x";
	char *argv[] = { a0, a1, a2, a3, a4, a5, NULL };
	char *plain[] = { a0, a4, a5, NULL };
	struct cli_argv a;

	(void)state;
	cli_split_eal(6, argv, &a);
	assert_int_equal(a.eal_argc, 3);
	assert_int_equal(a.app_argc, 3);
	assert_string_equal(a.app_argv[0], "prog");
	assert_string_equal(a.app_argv[1], "--ip");
	assert_string_equal(argv[1], "-l");
	cli_split_eal(3, plain, &a);		/* no `--`: all ours */
	assert_int_equal(a.eal_argc, 1);
	assert_int_equal(a.app_argc, 3);
	assert_ptr_equal(a.app_argv, plain);
}

/* A small app: -n COUNT (once), -H X (repeatable), --flag, one positional. */
struct toy {
	uint64_t n;
	unsigned int headers;
	int flag;
	int calls;
};

static int
toy_opt(void *app, int c, const char *arg, char *err, size_t n)
{
	struct toy *t = app;

	t->calls++;
	switch (c) {
	case 'n':
		if (cli_parse_count(arg, 1, 1000, &t->n) != 0)
			return snprintf(err, n, "-n: expected 1..1000, got '%s'", arg), -1;
		return 0;
	case 'H':
		t->headers++;
		return 0;
	case 'f':
		t->flag = 1;
		return 0;
	default:
		return snprintf(err, n, "unknown option"), -1;
	}
}

static int
toy_parse(struct toy *t, struct tern_config *cfg, struct cli_app *a, char *err, size_t n,
	  const char *const *args)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "header", required_argument, NULL, 'H' },
		{ "flag", no_argument, NULL, 'f' },
		CLI_LONGOPTS_COMMON,
		{ NULL, 0, NULL, 0 },
	};
	char *argv[32];
	int argc = 0;

	memset(t, 0, sizeof(*t));
	tern_config_defaults(cfg);
	memset(a, 0, sizeof(*a));
	a->longopts = longopts;
	a->shortopts = "n:H:";
	a->repeatable = "H";
	a->max_args = 1;
	a->cfg = cfg;
	a->opt = toy_opt;
	a->app = t;
	argv[argc++] = (char *)"toy";
	while (*args != NULL)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	return cli_parse(a, argc, argv, err, n);
}

static void
test_driver(void **state)
{
	const char *good[] = { "-n", "5", "-H", "a", "--header", "b", "--flag", "--ip",
			       "198.18.0.2/24", "--gw", "198.18.0.1", "URL", NULL };
	const char *help[] = { "-n", "bad", "--help", NULL };
	const char *version[] = { "--version", "-n", "bad", NULL };
	const char *const bad[][6] = {
		{ "-n", "1", "-n", "2", NULL },			/* once only */
		{ "-n", "1", "--count", "2", NULL },		/* the same option */
		{ "--flag", "--flag", NULL },
		{ "--ip", "198.18.0.2/24", "--ip", "198.18.0.3/24", NULL },
		{ "--config", "/dev/null", "--config", "/nonexistent.ini", NULL },
		{ "--bogus", NULL },
		{ "-x", NULL },
		{ "-n", NULL },					/* no value */
		{ "--count", NULL },
		{ "-n", "0", NULL },
		{ "a", "b", NULL },				/* one positional */
		{ "--ip", "198.18.0.2", NULL },			/* no prefix */
		{ "--gw", "300.1.1.1", NULL },
		{ "--config", "/nonexistent.ini", NULL },
		{ "--config", "/tmp", NULL },
	};
	struct tern_config cfg;
	struct cli_app a;
	struct toy t;
	char err[256];
	unsigned int k;

	(void)state;
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), good), CLI_RUN);
	assert_int_equal(t.n, 5);
	assert_int_equal(t.headers, 2);
	assert_int_equal(t.flag, 1);
	assert_int_equal(cfg.n_ifaces, 1);
	assert_int_equal(cfg.iface[0].ip, 0xc6120002u);
	assert_int_equal(cfg.iface[0].prefix_len, 24);
	assert_int_equal(cfg.iface[0].gw, 0xc6120001u);
	assert_int_equal(a.first_arg, 12);
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), help), CLI_HELP);
	assert_int_equal(t.calls, 0);		/* no value looked at */
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), version), CLI_VERSION);
	for (k = 0; k < RTE_DIM(bad); k++) {
		err[0] = '\0';
		if (toy_parse(&t, &cfg, &a, err, sizeof(err), bad[k]) != CLI_ERROR)
			fail_msg("accepted bad command line #%u", k);
		if (strlen(err) == 0 || strchr(err, '\n') != NULL)
			fail_msg("#%u: error '%s' is not one line", k, err);
	}
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), bad[0]), CLI_ERROR);
	assert_non_null(strstr(err, "--count given more than once"));
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), bad[7]), CLI_ERROR);
	assert_non_null(strstr(err, "needs a value"));
}

/* --config is read before the other flags, wherever it stands. */
static void
test_config_first(void **state)
{
	char path[] = "/tmp/tern-cli-XXXXXX";
	const char *args[] = { "--ip", "198.18.0.9/24", "--config", path, NULL };
	static const char ini[] = "[iface]\nip = 198.18.0.2/24\n[mem]\nmbufs = 2047\n";
	struct tern_config cfg;
	struct cli_app a;
	struct toy t;
	char err[256];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini, strlen(ini)), (ssize_t)strlen(ini));
	close(fd);
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), args), CLI_RUN);
	assert_int_equal(cfg.iface[0].ip, 0xc6120009u);	/* the flag wins */
	assert_int_equal(cfg.nb_mbufs, 2047);
	assert_string_equal(a.config_path, path);
	unlink(path);
}

/* --config again: the files are read in order, a later one overriding
 * (config/fault.ini on a topology); a fifth is refused. */
static void
test_config_overlay(void **state)
{
	char base[] = "/tmp/tern-cli-XXXXXX", over[] = "/tmp/tern-cli-XXXXXX";
	const char *args[] = { "--config", base, "--config", over, NULL };
	const char *five[] = { "--config", base, "--config", over, "--config", over,
			       "--config", over, "--config", over, NULL };
	static const char ini_base[] = "[iface]\nip = 198.18.0.2/24\n[mem]\nmbufs = 2047\n";
	static const char ini_over[] = "[mem]\nmbufs = 4095\n";
	struct tern_config cfg;
	struct cli_app a;
	struct toy t;
	char err[256];
	int fd;

	(void)state;
	fd = mkstemp(base);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini_base, strlen(ini_base)), (ssize_t)strlen(ini_base));
	close(fd);
	fd = mkstemp(over);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ini_over, strlen(ini_over)), (ssize_t)strlen(ini_over));
	close(fd);
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), args), CLI_RUN);
	assert_int_equal(cfg.iface[0].ip, 0xc6120002u);	/* from the first */
	assert_int_equal(cfg.n_ifaces, 1);
	assert_int_equal(cfg.nb_mbufs, 4095);			/* the second wins */
	assert_int_equal(a.n_configs, 2);
	assert_string_equal(a.config_path, base);
	assert_int_equal(toy_parse(&t, &cfg, &a, err, sizeof(err), five), CLI_ERROR);
	assert_non_null(strstr(err, "--config given more than 4 times"));
	unlink(base);
	unlink(over);
}

static void
test_writable(void **state)
{
	char dir[] = "/tmp/tern-cli-dir-XXXXXX", path[512];
	struct stat st;
	char err[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	assert_int_equal(cli_check_writable("--stats", path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), -1);		/* no file left behind */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("keep", f);
	fclose(f);
	assert_int_equal(cli_check_writable("--stats", path, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4);			/* not truncated */
	unlink(path);
	assert_int_equal(cli_check_writable("--stats", dir, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--stats"));
	snprintf(path, sizeof(path), "%s/no/such/dir/s.json", dir);
	assert_int_equal(cli_check_writable("--json", path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(cli_check_writable("--stats", "", err, sizeof(err)), -1);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_driver),
		cmocka_unit_test(test_config_first),
		cmocka_unit_test(test_config_overlay),
		cmocka_unit_test(test_writable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
