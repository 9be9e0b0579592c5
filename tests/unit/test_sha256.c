// SPDX-License-Identifier: MIT
/*
 * SHA-256 against the FIPS 180-4 examples (NIST's "abc", two-block and million-'a'
 * messages, and the empty one), HMAC-SHA256 against RFC 4231 test cases 1-4, 6 and 7,
 * and the constant-time comparison.
 */
#include <string.h>

#include "../../core/sha256.h"
#include "t.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < FP_SHA256_LEN; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha(const char *what, const void *m, size_t len, const char *want)
{
	uint8_t d[FP_SHA256_LEN];
	char got[65];

	fp_sha256(m, len, d);
	hex(d, got);
	CHECK(!strcmp(got, want), "%s: %s", what, got);
}

static void hmac(const char *what, const void *k, size_t kl, const void *m, size_t ml,
		 const char *want)
{
	struct fp_hmac h;
	uint8_t d[FP_SHA256_LEN];
	char got[65];

	fp_hmac_init(&h, k, kl);
	/* in two pieces, so the streaming path is what is checked */
	fp_hmac_update(&h, m, ml / 2);
	fp_hmac_update(&h, (const uint8_t *)m + ml / 2, ml - ml / 2);
	fp_hmac_final(&h, d);
	hex(d, got);
	CHECK(!strcmp(got, want), "%s: %s", what, got);
}

int main(void)
{
	static uint8_t big[1000000], k131[131], aa[20], dd[50], cd[50], k25[25];
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	static const char t6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char t7[] = "This is a test using a larger than block-size key and a larger "
				 "than block-size data. The key needs to be hashed before being "
				 "used by the HMAC algorithm.";
	struct fp_sha256 s;
	uint8_t d1[FP_SHA256_LEN], d2[FP_SHA256_LEN];

	sha("abc", "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha("empty", "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha("448 bits", m448, strlen(m448),
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(big, 'a', sizeof(big));
	sha("million a", big, sizeof(big),
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* the same bytes fed in odd pieces give the same digest */
	fp_sha256_init(&s);
	for (size_t o = 0; o < sizeof(big); o += 997)
		fp_sha256_update(&s, big + o, sizeof(big) - o < 997 ? sizeof(big) - o : 997);
	fp_sha256_final(&s, d1);
	fp_sha256(big, sizeof(big), d2);
	CHECK(!memcmp(d1, d2, sizeof(d1)), "streamed in pieces");

	/* RFC 4231 section 4 */
	memset(k131, 0xaa, sizeof(k131));
	memset(aa, 0x0b, sizeof(aa));
	hmac("4231 case 1", aa, 20, "Hi There", 8,
	     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac("4231 case 2", "Jefe", 4, "what do ya want for nothing?", 28,
	     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(aa, 0xaa, sizeof(aa));
	memset(dd, 0xdd, sizeof(dd));
	hmac("4231 case 3", aa, 20, dd, 50,
	     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		k25[i] = (uint8_t)(i + 1);
	memset(cd, 0xcd, sizeof(cd));
	hmac("4231 case 4", k25, 25, cd, 50,
	     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	hmac("4231 case 6", k131, 131, t6, strlen(t6),
	     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	hmac("4231 case 7", k131, 131, t7, strlen(t7),
	     "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");

	CHECK(fp_ct_equal("abcd", "abcd", 4), "equal");
	CHECK(!fp_ct_equal("abcd", "abce", 4), "last byte differs");
	CHECK(!fp_ct_equal("xbcd", "abcd", 4), "first byte differs");
	return t_done("sha256");
}
