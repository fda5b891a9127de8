/*
 * A stream layer in front of the XML reader that cuts over-long character
 * data, so that a report with a 50 MB <system-out> lands with that text
 * truncated (ING-2) instead of being refused: libxml2 without
 * XML_PARSE_HUGE (which we never set) fails a whole document on a text
 * node over 10,000,000 bytes.  It follows just enough of XML's lexical
 * structure to know where character data is (text between tags, CDATA
 * sections; comments and processing instructions are cut the same way)
 * and keeps every byte of markup, so the result is well-formed whenever
 * the input was.  Attribute values are markup: their caps are the
 * reader's.  Not a parser: what it cannot classify it passes through.
 */
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "textcap.h"
#include "xalloc.h"

#define CHUNK 65536
/* the marker written where a run was cut: no '<' or '&', plain text */
#define MARK "\n[... truncated by testvis: over the text size limit]\n"

enum lex {
	LX_TEXT,	/* character data; ends at '<' */
	LX_OPEN,	/* just after '<' */
	LX_BANG,	/* after "<!": a CDATA section, comment or declaration */
	LX_TAG,		/* inside a tag, maybe in a quoted attribute value */
	LX_CDATA,	/* ends at "]]>" */
	LX_COMMENT,	/* ends at "-->" */
	LX_PI		/* ends at "?>" */
};

struct textcap {
	struct stream	 s;
	struct stream	*lower;
	size_t		 max;		/* bytes of one run kept */
	enum lex	 lx;
	char		 quote;		/* in LX_TAG: '"', '\'' or 0 */
	char		 bang[8];	/* what followed "<!" so far */
	size_t		 nbang;
	unsigned	 repeat;	/* trailing ']', '-' or '?' seen */
	size_t		 run;		/* bytes of the current run kept */
	int		 entity;	/* inside "&...;" in character data */
	int		 dropping;	/* the current run is over max */
	long long	 cuts;
	int		 eof;
	char		 out[CHUNK * 2 + sizeof(MARK)];
	size_t		 outlen, outoff;
};

/* Predicate: a run may be cut before byte b (not inside a character). */
static int
boundary(unsigned char b)
{
	return (b & 0xc0) != 0x80;
}

/*
 * Handles byte b of a run whose region ends with a terminator (CDATA,
 * comment, PI; the character data of LX_TEXT ends at '<' instead):
 * counts it, emits it unless the run is being dropped, and notices the
 * terminator made of `want` repeats of `rep` and '>'.  Returns 1 at the
 * terminator (already emitted), else 0.
 */
static int
region_byte(struct textcap *t, unsigned char b, char rep, unsigned want)
{
	if (b == '>' && t->repeat >= want) {
		if (t->dropping) {	/* the terminator is markup: keep it */
			memset(t->out + t->outlen, rep, want);
			t->outlen += want;
		}
		t->out[t->outlen++] = '>';
		t->repeat = 0;
		return 1;
	}
	t->repeat = (unsigned char)b == (unsigned char)rep ? t->repeat + 1 : 0;
	if (!t->dropping && t->run >= t->max && boundary(b)) {
		t->dropping = 1;
		t->cuts++;
		memcpy(t->out + t->outlen, MARK, sizeof(MARK) - 1);
		t->outlen += sizeof(MARK) - 1;
	}
	if (!t->dropping) {
		t->out[t->outlen++] = (char)b;
		t->run++;
	}
	return 0;
}

/* Handles one byte of character data (LX_TEXT). */
static void
text_byte(struct textcap *t, unsigned char b)
{
	if (b == '<') {
		t->out[t->outlen++] = '<';
		t->lx = LX_OPEN;
		t->entity = 0;
		return;
	}
	if (!t->dropping && t->run >= t->max && !t->entity && boundary(b)) {
		t->dropping = 1;
		t->cuts++;
		memcpy(t->out + t->outlen, MARK, sizeof(MARK) - 1);
		t->outlen += sizeof(MARK) - 1;
	}
	if (b == '&')
		t->entity = 1;
	else if (b == ';' || b == ' ' || b == '\n')
		t->entity = 0;
	if (!t->dropping) {
		t->out[t->outlen++] = (char)b;
		t->run++;
	}
}

/* Handles one byte after "<!" until it is known what follows. */
static void
bang_byte(struct textcap *t, unsigned char b)
{
	t->out[t->outlen++] = (char)b;
	t->bang[t->nbang++] = (char)b;
	if (t->nbang == 2 && memcmp(t->bang, "--", 2) == 0) {
		t->lx = LX_COMMENT;
		t->run = 0;
		t->dropping = 0;
	} else if (t->nbang == 7 && memcmp(t->bang, "[CDATA[", 7) == 0)
		t->lx = LX_CDATA;	/* joins the text run around it */
	else if (memcmp(t->bang, "[CDATA[", t->nbang) != 0 &&
	    memcmp(t->bang, "--", t->nbang < 2 ? t->nbang : 2) != 0) {
		t->lx = LX_TAG;		/* a declaration */
		t->quote = 0;
		if (b == '>')
			t->lx = LX_TEXT;
	}
}

/* Moves one byte of input through the lexer into out. */
static void
lex_byte(struct textcap *t, unsigned char b)
{
	switch (t->lx) {
	case LX_TEXT:
		text_byte(t, b);
		break;
	case LX_OPEN:
		t->out[t->outlen++] = (char)b;
		t->quote = 0;
		t->repeat = 0;
		if (b == '!') {
			t->lx = LX_BANG;
			t->nbang = 0;
		} else if (b == '?') {
			t->lx = LX_PI;
			t->run = 0;
			t->dropping = 0;
		} else {
			/* an element's tag ends the text run */
			t->lx = b == '>' ? LX_TEXT : LX_TAG;
			t->run = 0;
			t->dropping = 0;
		}
		break;
	case LX_BANG:
		bang_byte(t, b);
		break;
	case LX_TAG:
		t->out[t->outlen++] = (char)b;
		if (t->quote != 0) {
			if (b == (unsigned char)t->quote)
				t->quote = 0;
		} else if (b == '"' || b == '\'')
			t->quote = (char)b;
		else if (b == '>')
			t->lx = LX_TEXT;
		break;
	case LX_CDATA:
		if (region_byte(t, b, ']', 2))
			t->lx = LX_TEXT;
		break;
	case LX_COMMENT:
		if (region_byte(t, b, '-', 2)) {
			t->lx = LX_TEXT;
			t->run = 0;
			t->dropping = 0;
		}
		break;
	case LX_PI:
		if (region_byte(t, b, '?', 1)) {
			t->lx = LX_TEXT;
			t->run = 0;
			t->dropping = 0;
		}
		break;
	}
}

static ssize_t
textcap_read(struct stream *s, char *buf, size_t n)
{
	struct textcap *t = (struct textcap *)s;
	char in[CHUNK];
	ssize_t k, i;

	while (t->outoff >= t->outlen) {
		t->outoff = t->outlen = 0;
		if (t->eof)
			return 0;
		if ((k = stream_read(t->lower, in, sizeof(in))) < 0)
			return -1;
		if (k == 0) {
			t->eof = 1;
			return 0;
		}
		/* each byte emits at most itself plus the marker, or "]]>" */
		for (i = 0; i < k; i++)
			lex_byte(t, (unsigned char)in[i]);
	}
	if (n > t->outlen - t->outoff)
		n = t->outlen - t->outoff;
	memcpy(buf, t->out + t->outoff, n);
	t->outoff += n;
	return (ssize_t)n;
}

static void
textcap_free(struct stream *s)
{
	free(s);
}

/*
 * Wraps lower (borrowed) so that no run of character data (text and the
 * CDATA sections within it, as libxml2 merges them), comment or
 * processing instruction passes more than max bytes; the rest of each is
 * replaced by one marker line.  max is at least TEXTCAP_MIN.  Free with
 * stream_free().
 */
struct stream *
textcap_new(struct stream *lower, size_t max)
{
	struct textcap *t = xcalloc(1, sizeof(*t));

	t->s.read = textcap_read;
	t->s.free = textcap_free;
	t->lower = lower;
	t->max = max < TEXTCAP_MIN ? TEXTCAP_MIN : max;
	t->lx = LX_TEXT;
	return &t->s;
}

/* How many runs s has cut so far. */
long long
textcap_cuts(struct stream *s)
{
	return ((struct textcap *)s)->cuts;
}
