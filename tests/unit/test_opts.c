// SPDX-License-Identifier: MIT
/* The option table parser: defaults, bounds, --no-, choices, environment, generated help. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "../../core/opts.h"
#include "../../core/units.h"
#include "t.h"

struct cfg {
	int64_t n;
	uint64_t sz, dur;
	bool flag;
	const char *s;
	int choice;
	struct fp_sizes sizes;
};

static const struct fp_opt tab[] = {
	{ "n", FP_OPT_INT, offsetof(struct cfg, n), "5", 1, 10, NULL, NULL, NULL, "a number" },
	{ "sz", FP_OPT_SIZE, offsetof(struct cfg, sz), "4K", 0, 0, NULL, NULL, NULL, "a size" },
	{ "dur", FP_OPT_DURATION, offsetof(struct cfg, dur), "1s", 0, 0, NULL, NULL, NULL, "time" },
	{ "flag", FP_OPT_BOOL, offsetof(struct cfg, flag), NULL, 0, 0, NULL, NULL, NULL, "flag" },
	{ "s", FP_OPT_STRING, offsetof(struct cfg, s), NULL, 0, 0, NULL, "T_UNITS_S", NULL, "str" },
	{ "fmt", FP_OPT_CHOICE, offsetof(struct cfg, choice), "text", 0, 0, "text|json", NULL, NULL,
	  "format" },
	{ "sizes", FP_OPT_SIZES, offsetof(struct cfg, sizes), "8", 0, 0, NULL, NULL, NULL, "list" },
	FP_OPT_END,
};

static int parse(struct cfg *c, const char *a0, const char *a1, const char *a2, char *err)
{
	char *argv[3] = { (char *)a0, (char *)a1, (char *)a2 };
	int argc = a2 ? 3 : a1 ? 2 : a0 ? 1 : 0;
	const char *pos[2];
	int np;
	uint64_t given;

	memset(c, 0, sizeof(*c));
	return fp_opts_parse(tab, c, argc, argv, pos, 1, &np, &given, err, 256);
}

int main(void)
{
	char err[256];
	struct cfg c;

	CHECK(!parse(&c, NULL, NULL, NULL, err) && c.n == 5 && c.sz == 4096 && !c.flag &&
		      c.choice == 0 && c.sizes.n == 1,
	      "defaults");
	CHECK(!parse(&c, "--n", "7", NULL, err) && c.n == 7, "value");
	CHECK(!parse(&c, "--n=8", NULL, NULL, err) && c.n == 8, "n=v");
	CHECK(parse(&c, "--n", "11", NULL, err) == -ERANGE && strstr(err, "--n"), "bounds: %s",
	      err);
	CHECK(parse(&c, "--n", NULL, NULL, err) == -EINVAL && strstr(err, "needs a value"),
	      "missing");
	CHECK(parse(&c, "--bogus", NULL, NULL, err) == -EINVAL && strstr(err, "unknown"),
	      "unknown");
	CHECK(parse(&c, "-x", NULL, NULL, err) == -EINVAL, "short");
	CHECK(!parse(&c, "--flag", NULL, NULL, err) && c.flag, "flag");
	CHECK(!parse(&c, "--flag", "--no-flag", NULL, err) && !c.flag, "no-flag");
	CHECK(parse(&c, "--no-n", NULL, NULL, err) == -EINVAL, "no- on a value option");
	CHECK(!parse(&c, "--fmt", "json", NULL, err) && c.choice == 1, "choice");
	CHECK(parse(&c, "--fmt", "xml", NULL, err) == -EINVAL && strstr(err, "text|json"),
	      "bad choice");
	CHECK(parse(&c, "pos1", "pos2", NULL, err) == -EINVAL, "too many positionals");
	CHECK(parse(&c, "--sizes", "1:2:x0", NULL, err), "bad sizes");
	/* a frame-size mix is pkt's: said so; a bad range is still a bad range */
	CHECK(parse(&c, "--sizes", "imix", NULL, err) == -EINVAL &&
		      strstr(err, "frame-size mix, for `fabprobe pkt --sizes`"),
	      "imix: %s", err);
	CHECK(parse(&c, "--sizes", "64:3,1518:1", NULL, err) == -EINVAL &&
		      strstr(err, "frame-size mix"),
	      "a SIZE:WEIGHT mix: %s", err);
	CHECK(parse(&c, "--sizes", "1:1M:y2", NULL, err) == -EINVAL && strstr(err, "cannot parse"),
	      "a bad range is not a mix: %s", err);
	CHECK(!parse(&c, "--", "--n", NULL, err) && c.n == 5, "-- ends options");
	setenv("T_UNITS_S", "from-env", 1);
	CHECK(!parse(&c, NULL, NULL, NULL, err) && c.s && !strcmp(c.s, "from-env"), "env");
	CHECK(!parse(&c, "--s", "arg", NULL, err) && !strcmp(c.s, "arg"), "arg beats env");
	unsetenv("T_UNITS_S");
	{
		FILE *f = tmpfile();
		char buf[2048] = "";

		fp_opts_help(f, tab);
		rewind(f);
		CHECK(fread(buf, 1, sizeof(buf) - 1, f) > 0 && strstr(buf, "--n N") &&
			      strstr(buf, "(1..10)") && strstr(buf, "[4K]") &&
			      strstr(buf, "text|json"),
		      "help: %s", buf);
		fclose(f);
	}
	return t_done("opts");
}
