// cflags: -msse2 -mssse3
/* SSE2 and SSSE3 integer intrinsics on pseudo-random vectors: packs and
 * unpacks, shuffles (pshufb, pshufd, pshuflw/hw, palignr), saturating
 * arithmetic, multiplies (pmullw, pmulhw, pmuludq, pmaddwd, pmaddubsw,
 * pmulhrsw), psadbw, averages, min/max, compares, pmovmskb, shifts by
 * immediate and by register, horizontal adds/subtracts, psign, pabs, and
 * the same on MMX registers. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <tmmintrin.h>

static uint32_t seed = 12345;

static uint32_t next(void)
{
    seed = seed * 1103515245u + 12345u;
    return seed ^ (seed >> 15);
}

/* Bytes with a bias towards lane limits (0, 0x7f, 0x80, 0xff). */
static __m128i vec(void)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++) {
        uint32_t r = next();
        static const uint8_t edge[] = { 0, 0x7f, 0x80, 0xff, 1, 0xfe };
        b[i] = (r & 7) == 0 ? edge[(r >> 8) % 6] : (uint8_t)(r >> 16);
    }
    __m128i v;
    memcpy(&v, b, 16);
    return v;
}

static void show(const char *name, __m128i v)
{
    uint32_t w[4];
    memcpy(w, &v, 16);
    printf("%-10s %08x %08x %08x %08x\n", name, w[3], w[2], w[1], w[0]);
}

static void show64(const char *name, __m64 v)
{
    uint64_t w;
    memcpy(&w, &v, 8);
    printf("%-10s %016llx\n", name, (unsigned long long)w);
}

int main(void)
{
    for (int round = 0; round < 6; round++) {
        __m128i a = vec(), b = vec(), c = vec();
        printf("-- round %d\n", round);
        show("a", a);
        show("b", b);
        show("packsswb", _mm_packs_epi16(a, b));
        show("packssdw", _mm_packs_epi32(a, b));
        show("packuswb", _mm_packus_epi16(a, b));
        show("unpcklbw", _mm_unpacklo_epi8(a, b));
        show("unpckhwd", _mm_unpackhi_epi16(a, b));
        show("unpckldq", _mm_unpacklo_epi32(a, b));
        show("unpckhqdq", _mm_unpackhi_epi64(a, b));
        show("pshufb", _mm_shuffle_epi8(a, c));
        show("pshufd", _mm_shuffle_epi32(a, 0x1b));
        show("pshuflw", _mm_shufflelo_epi16(a, 0xb1));
        show("pshufhw", _mm_shufflehi_epi16(a, 0x4e));
        show("palignr5", _mm_alignr_epi8(a, b, 5));
        show("palignr19", _mm_alignr_epi8(a, b, 19));
        show("paddsb", _mm_adds_epi8(a, b));
        show("paddusw", _mm_adds_epu16(a, b));
        show("psubsw", _mm_subs_epi16(a, b));
        show("psubusb", _mm_subs_epu8(a, b));
        show("pmullw", _mm_mullo_epi16(a, b));
        show("pmulhw", _mm_mulhi_epi16(a, b));
        show("pmulhuw", _mm_mulhi_epu16(a, b));
        show("pmuludq", _mm_mul_epu32(a, b));
        show("pmaddwd", _mm_madd_epi16(a, b));
        show("pmaddubsw", _mm_maddubs_epi16(a, b));
        show("pmulhrsw", _mm_mulhrs_epi16(a, b));
        show("psadbw", _mm_sad_epu8(a, b));
        show("pavgb", _mm_avg_epu8(a, b));
        show("pminsw", _mm_min_epi16(a, b));
        show("pmaxub", _mm_max_epu8(a, b));
        show("pcmpeqb", _mm_cmpeq_epi8(a, _mm_or_si128(b, _mm_set1_epi8(1))));
        show("pcmpgtw", _mm_cmpgt_epi16(a, b));
        show("pcmpgtd", _mm_cmpgt_epi32(a, b));
        printf("pmovmskb   %04x %04x\n", _mm_movemask_epi8(a), _mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
        show("psllw3", _mm_slli_epi16(a, 3));
        show("psrad31", _mm_srai_epi32(a, 31));
        show("psrlq", _mm_srl_epi64(a, _mm_cvtsi32_si128(round * 13)));
        show("psraw", _mm_sra_epi16(a, _mm_cvtsi32_si128(round * 4)));
        show("pslldq", _mm_slli_si128(a, 7));
        show("psrldq", _mm_srli_si128(a, 9));
        show("phaddw", _mm_hadd_epi16(a, b));
        show("phaddsw", _mm_hadds_epi16(a, b));
        show("phsubd", _mm_hsub_epi32(a, b));
        show("psignb", _mm_sign_epi8(a, b));
        show("psignd", _mm_sign_epi32(a, b));
        show("pabsw", _mm_abs_epi16(a));
        printf("pextrw     %d %d\n", _mm_extract_epi16(a, 3), _mm_extract_epi16(b, 6));
        show("pinsrw", _mm_insert_epi16(a, round * 1000 - 2500, 5));
        show("paddq", _mm_add_epi64(a, b));
        show("andnot", _mm_andnot_si128(a, b));

        __m64 x = _mm_movepi64_pi64(a), y = _mm_movepi64_pi64(b);
        show64("mmx add", _mm_add_pi16(x, y));
        show64("mmx adds", _mm_adds_pu8(x, y));
        show64("mmx pack", _mm_packs_pi16(x, y));
        show64("mmx unpck", _mm_unpackhi_pi8(x, y));
        show64("mmx madd", _mm_madd_pi16(x, y));
        show64("mmx shuf", _mm_shuffle_pi16(x, 0x93));
        show64("mmx pshufb", _mm_shuffle_pi8(x, y));
        show64("mmx align", _mm_alignr_pi8(x, y, 3));
        show64("mmx sad", _mm_sad_pu8(x, y));
        show64("mmx sll", _mm_slli_pi32(x, round * 7));
        printf("mmx mask   %02x\n", _mm_movemask_pi8(x));
        _mm_empty();
    }
    return 0;
}
