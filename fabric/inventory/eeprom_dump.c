// SPDX-License-Identifier: MIT
/*
 * Module dumps in the forms people paste, told apart by content (the first data line):
 *
 *   ethtool -m DEV hex on   "0x0000:\t\t19 50 00 ..." under "Offset Values" headers
 *   hexdump -C              "00000000  19 50 .. 00  00 .. 40  |.P..|", '*', end offset
 *   xxd [-g N] [-c N] [-a]  "00000000: 1950 0000 ...  .P..", '*' for nul lines with -a
 *   od -A x -t x1[z]        "000000 19 50 00 ... 40  >.P..<", '*', end offset
 *   anything that is not text: a raw image
 *
 * hexdump and od squeeze repeated lines into a '*' and end with the dump's length on a
 * line of its own; xxd -a does the same for nul lines but prints no length. Lines must
 * follow each other (each starts where the one before ended), only the last may be
 * short, and the ASCII columns must show the same bytes (hexdump's and od's one character
 * a byte): that is how a truncated or reordered paste is told from a whole one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "../../core/err.h"
#include "eeprom.h"

enum form { F_ETHTOOL, F_HEXDUMP, F_XXD, F_OD };

static const char *const form_name[] = { "ethtool hex", "hexdump -C", "xxd", "od -A x" };

/* the widest line any of the tools prints: xxd -c 256 */
#define LINE_MAX_BYTES 256

struct dump {
	enum form form;
	uint8_t *img;
	size_t max;
	size_t next;  /* where the next line must start */
	size_t width; /* bytes on the first data line */
	size_t last;  /* bytes on the line before */
	size_t col;   /* xxd: where the ASCII column starts in a line; 0 unknown */
	bool started, squeeze, ended, short_line;
	int ascii; /* od: -1 unknown, 0 lines have no >ASCII<, 1 they have */
	int lineno;
	char *err;
	size_t errlen;
};

static int hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static size_t hexrun(const char *q, const char *le)
{
	size_t n = 0;

	while (q + n < le && isxdigit((unsigned char)q[n]))
		n++;
	return n;
}

/* one line into the caller's buffer, naming the form and the line; returns ret */
static int __attribute__((format(printf, 3, 4))) say(struct dump *d, int ret, const char *fmt, ...)
{
	size_t o;
	va_list ap;

	o = (size_t)snprintf(d->err, d->errlen, "%s dump line %d: ", form_name[d->form], d->lineno);
	if (o < d->errlen) {
		va_start(ap, fmt);
		vsnprintf(d->err + o, d->errlen - o, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* the form of a data line, or false when the line is not one (a header, a prompt) */
static bool detect(const char *q, const char *le, enum form *f)
{
	size_t n;

	if (le - q >= 4 && q[0] == '0' && (q[1] | 0x20) == 'x') {
		n = hexrun(q + 2, le);
		*f = F_ETHTOOL;
		return n && q + 2 + n < le && q[2 + n] == ':';
	}
	n = hexrun(q, le);
	if (!n || n > 16 || q + n + 1 >= le)
		return false;
	if (q[n] == ':' && q[n + 1] == ' ')
		*f = F_XXD;
	else if (q[n] == ' ' && q[n + 1] == ' ')
		*f = F_HEXDUMP;
	else if (q[n] == ' ' && isxdigit((unsigned char)q[n + 1]))
		*f = F_OD;
	else
		return false;
	return true;
}

/* ethtool's text: offsets as given (pages may come in blocks), headers skipped */
static int ethtool_line(struct dump *d, const char *q, const char *le)
{
	size_t off = 0;
	int digits = 0;

	if (le - q < 3 || q[0] != '0' || (q[1] != 'x' && q[1] != 'X'))
		return 0; /* headers ("Offset Values", "------") */
	for (q += 2; q < le && isxdigit((unsigned char)*q) && digits < 8; q++, digits++)
		off = off << 4 | (size_t)hexval(*q);
	if (!digits || q >= le || *q != ':' || off >= d->max)
		return say(d, -EINVAL, "bad offset");
	for (q++; q < le;) {
		while (q < le && isspace((unsigned char)*q))
			q++;
		if (q >= le)
			break;
		if (le - q < 2 || !isxdigit((unsigned char)q[0]) ||
		    !isxdigit((unsigned char)q[1]) || (le - q > 2 && !isspace((unsigned char)q[2])))
			return say(d, -EINVAL, "'%.*s' is not a byte",
				   (int)(le - q < 8 ? le - q : 8), q);
		if (off >= d->max)
			return say(d, -E2BIG, "past %zu bytes", d->max);
		d->img[off++] = (uint8_t)(hexval(q[0]) << 4 | hexval(q[1]));
		if (off > d->next)
			d->next = off;
		q += 2;
	}
	d->started = true;
	return 0;
}

/* A line starts at off: where the one before ended, or after a '*' a whole number of
 * lines further, which repeat the line before the '*'. */
static int place(struct dump *d, size_t off, bool data)
{
	if (!d->started)
		return off ? say(d, -EINVAL, "the dump starts at 0x%zx, not 0 (truncated?)", off)
			   : 0;
	if (d->short_line && data)
		return say(d, -EINVAL, "the line before is short but not the last (truncated?)");
	if (!d->squeeze) {
		if (off != d->next)
			return say(d, -EINVAL, "offset 0x%zx out of order (0x%zx expected)", off,
				   d->next);
		return 0;
	}
	if (off <= d->next || (off - d->next) % d->width)
		return say(d, -EINVAL, "offset 0x%zx after '*' is not whole lines past 0x%zx", off,
			   d->next);
	if (off > d->max)
		return say(d, -E2BIG, "offset 0x%zx is past %zu bytes", off, d->max);
	for (; d->next < off; d->next += d->width)
		memcpy(d->img + d->next, d->img + d->next - d->width, d->width);
	d->squeeze = false;
	return 0;
}

/* hexdump -C and od: bytes of two digits apart, up to the ASCII column's opener */
static int bytes_spaced(struct dump *d, const char **qp, const char *le, uint8_t *b, size_t *n)
{
	const char *q = *qp, open = d->form == F_HEXDUMP ? '|' : '>';
	size_t t;

	for (;;) {
		while (q < le && *q == ' ')
			q++;
		if (q >= le || *q == open)
			break;
		t = hexrun(q, le);
		if (t == 4 && (q + t >= le || q[t] == ' '))
			return say(d, -EINVAL,
				   "'%.4s' is a 16-bit word: dump bytes (hexdump -C, "
				   "od -A x -t x1)",
				   q);
		if (t != 2 || (q + t < le && q[t] != ' '))
			return say(d, -EINVAL, "'%.*s' is not a byte",
				   (int)(le - q < 8 ? le - q : 8), q);
		if (*n == LINE_MAX_BYTES)
			return say(d, -EINVAL, "more than %d bytes on a line", LINE_MAX_BYTES);
		b[(*n)++] = (uint8_t)(hexval(q[0]) << 4 | hexval(q[1]));
		q += 2;
	}
	*qp = q;
	return 0;
}

/* xxd: groups of an even number of digits one space apart; two spaces open the ASCII */
static int bytes_grouped(struct dump *d, const char **qp, const char *le, uint8_t *b, size_t *n)
{
	const char *q = *qp;
	size_t t;

	while (q < le) {
		t = hexrun(q, le);
		if (!t || t % 2)
			return say(d, -EINVAL, "'%.*s' is not a group of whole bytes",
				   (int)(le - q < 8 ? le - q : 8), q);
		if (*n + t / 2 > LINE_MAX_BYTES)
			return say(d, -EINVAL, "more than %d bytes on a line", LINE_MAX_BYTES);
		for (size_t i = 0; i < t; i += 2)
			b[(*n)++] = (uint8_t)(hexval(q[i]) << 4 | hexval(q[i + 1]));
		q += t;
		if (q < le && *q != ' ')
			return say(d, -EINVAL, "'%c' inside the hex", *q);
		if (q < le && (q + 1 >= le || q[1] == ' '))
			break; /* the ASCII column */
		if (q < le)
			q++;
	}
	*qp = q;
	return 0;
}

/* The ASCII column shows the same bytes: each printable one as itself, others as '.'.
 * Catches xxd -e (little-endian groups) and damage; spaces a paste stripped off the end
 * of a line are taken as spaces. */
static int ascii_same(struct dump *d, const char *a, size_t alen, const uint8_t *b, size_t n)
{
	if (alen > n)
		return say(d, -EINVAL, "%zu ASCII characters for %zu bytes", alen, n);
	for (size_t i = 0; i < n; i++) {
		char want = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '.';

		if ((i < alen ? a[i] : ' ') != want)
			return say(d, -EINVAL,
				   "byte %zu is 0x%02x but the ASCII column shows '%c' (xxd -e?)",
				   i + 1, b[i], i < alen ? a[i] : ' ');
	}
	return 0;
}

/* hexdump's |...| and od's >...<, closed at the line's end; xxd's at a fixed column */
static int ascii_column(struct dump *d, const char *line, const char *q, const char *le,
			const uint8_t *b, size_t n)
{
	char open = d->form == F_HEXDUMP ? '|' : '>', close = d->form == F_HEXDUMP ? '|' : '<';
	int has = q < le && *q == open;

	if (d->form == F_XXD) {
		/* q is on the two spaces before it; later lines pad their bytes to the column */
		if (!d->started && q < le)
			d->col = (size_t)(q + 2 - line);
		if (!d->col)
			return 0;
		q = line + d->col;
		return ascii_same(d, q, q < le ? (size_t)(le - q) : 0, b, n);
	}
	if (d->form == F_OD) {
		if (d->ascii < 0)
			d->ascii = has;
		if (!d->ascii)
			return q < le ? say(d, -EINVAL, "'%c' after the bytes", *q) : 0;
	}
	if (!has || le - q < 2 || le[-1] != close || (size_t)(le - q - 2) != n)
		return say(d, -EINVAL, "truncated line (no %c...%c column of %zu characters)", open,
			   close, n);
	return ascii_same(d, q + 1, n, b, n);
}

static int tool_line(struct dump *d, const char *q, const char *le)
{
	uint8_t b[LINE_MAX_BYTES];
	size_t off = 0, n = 0, t = hexrun(q, le);
	const char *line = q;
	int ret;

	if (le - q == 1 && *q == '*') {
		if (!d->started || d->squeeze || d->ended || d->last != d->width)
			return say(d, -EINVAL, "'*' without a whole line before it");
		d->squeeze = true;
		return 0;
	}
	if (d->ended)
		return say(d, -EINVAL, "more after the dump's final offset");
	if (!t || t > 16)
		return say(d, -EINVAL, "'%.*s' is not a %s line", (int)(le - q < 16 ? le - q : 16),
			   q, form_name[d->form]);
	for (size_t i = 0; i < t; i++)
		off = off << 4 | (size_t)hexval(q[i]);
	q += t;
	if (d->form == F_XXD && (q >= le || *q++ != ':'))
		return say(d, -EINVAL, "an offset without ':'");
	if (q >= le) {
		/* hexdump and od end with the dump's length alone on a line */
		if (d->form == F_XXD || !d->started)
			return say(d, -EINVAL, "an offset without bytes");
		if ((ret = place(d, off, false)))
			return ret;
		d->ended = true;
		return 0;
	}
	if (*q != ' ')
		return say(d, -EINVAL, "'%c' after the offset", *q);
	if ((ret = place(d, off, true)))
		return ret;
	while (q < le && *q == ' ')
		q++;
	ret = d->form == F_XXD ? bytes_grouped(d, &q, le, b, &n) : bytes_spaced(d, &q, le, b, &n);
	if (ret)
		return ret;
	if (!n)
		return say(d, -EINVAL, "an offset without bytes");
	if (!d->started)
		d->width = n;
	if (n > d->width)
		return say(d, -EINVAL, "%zu bytes, more than the %zu of the first line", n,
			   d->width);
	/* xxd prints its ASCII column on every line: a short line without it was cut */
	if (d->form == F_XXD && n < d->width && q >= le)
		return say(d, -EINVAL, "truncated line (%zu bytes and no ASCII column)", n);
	if ((ret = ascii_column(d, line, q, le, b, n)))
		return ret;
	if (d->next + n > d->max)
		return say(d, -E2BIG, "the dump is over %zu bytes", d->max);
	memcpy(d->img + d->next, b, n);
	d->next += n;
	d->short_line = n < d->width;
	d->last = n;
	d->started = true;
	return 0;
}

static int read_text(struct dump *d, const char *p, const char *end)
{
	bool known = false;
	int ret;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *q = p;
		const char *le = nl ? nl : end;

		d->lineno++;
		p = nl ? nl + 1 : end;
		while (q < le && isspace((unsigned char)*q))
			q++;
		while (le > q && isspace((unsigned char)le[-1]))
			le--;
		if (q == le)
			continue;
		if (!known) {
			if (!detect(q, le, &d->form))
				continue; /* a header or a prompt before the dump */
			known = true;
		}
		ret = d->form == F_ETHTOOL ? ethtool_line(d, q, le) : tool_line(d, q, le);
		if (ret)
			return ret;
	}
	if (!known || !d->started)
		return fp_say(
			d->err, d->errlen,
			"no module dump lines (ethtool -m hex, hexdump -C, xxd or od -A x -t x1)");
	if (d->squeeze)
		return say(d, -EINVAL, "'*' at the end without the offset after it (truncated?)");
	if ((d->form == F_HEXDUMP || d->form == F_OD) && !d->ended)
		return say(d, -EINVAL, "no final offset line, which %s always prints (truncated?)",
			   form_name[d->form]);
	return 0;
}

int fp_module_read_hex(const char *text, size_t len, uint8_t *img, size_t max, size_t *outlen,
		       char *err, size_t errlen)
{
	struct dump d = { .img = img, .max = max, .ascii = -1, .err = err, .errlen = errlen };
	int ret;

	/* not text at all: a raw image */
	for (size_t i = 0; i < len && i < 64; i++)
		if (!isprint((unsigned char)text[i]) && !isspace((unsigned char)text[i])) {
			if (len > max) {
				snprintf(err, errlen, "a raw image of %zu bytes is over %zu", len,
					 max);
				return -E2BIG;
			}
			memcpy(img, text, len);
			*outlen = len;
			return 0;
		}
	memset(img, 0, max);
	/* the text need not end in a NUL: every read stays inside [text, text + len) */
	ret = read_text(&d, text, text + len);
	if (ret)
		return ret;
	*outlen = d.next;
	return 0;
}
