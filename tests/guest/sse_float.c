// cflags: -msse2 -msse3
/* SSE/SSE2/SSE3 floating-point intrinsics: arithmetic in all four MXCSR
 * rounding modes with the exception flags it raises, DAZ and FTZ, sqrt,
 * min/max (NaN and signed-zero operand order), compares and movmskps/pd,
 * the conversions (cvttsd2si, cvtsi2sd, cvtps2dq, cvtpd2ps…) on limits,
 * NaNs and infinities, horizontal adds (haddps, hsubpd, addsubps), and
 * rcpps/rsqrtps, which are approximations: only their error bound is
 * printed. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <pmmintrin.h>

static void show_ps(const char *name, __m128 v)
{
    uint32_t w[4];
    memcpy(w, &v, 16);
    printf("%-12s %08x %08x %08x %08x\n", name, w[3], w[2], w[1], w[0]);
}

static void show_pd(const char *name, __m128d v)
{
    uint64_t w[2];
    memcpy(w, &v, 16);
    printf("%-12s %016llx %016llx\n", name, (unsigned long long)w[1], (unsigned long long)w[0]);
}

static void show_pi(const char *name, __m128i v)
{
    show_ps(name, _mm_castsi128_ps(v));
}

/* The exception flags raised since the last call, then cleared. */
static unsigned flags(void)
{
    unsigned f = _mm_getcsr() & 0x3f;
    _mm_setcsr(_mm_getcsr() & ~0x3fu);
    return f;
}

static double dbits(uint64_t b)
{
    double d;
    memcpy(&d, &b, 8);
    return d;
}

int main(void)
{
    static const unsigned modes[] = { _MM_ROUND_NEAREST, _MM_ROUND_DOWN, _MM_ROUND_UP, _MM_ROUND_TOWARD_ZERO };
    static const char *mode_names[] = { "nearest", "down", "up", "zero" };
    volatile double third = 1.0 / 3.0, big = 1e308, tiny = 1e-310, neg = -2.5;
    __m128d x = _mm_set_pd(third, -third), y = _mm_set_pd(7.0, 1e-17);
    for (int m = 0; m < 4; m++) {
        _mm_setcsr((_mm_getcsr() & ~_MM_ROUND_MASK & ~0x3fu) | modes[m]);
        printf("-- %s\n", mode_names[m]);
        show_pd("addpd", _mm_add_pd(x, y));
        printf("  flags %02x\n", flags());
        show_pd("subpd", _mm_sub_pd(x, y));
        show_pd("mulpd", _mm_mul_pd(x, _mm_set_pd(3.0, 3.0)));
        show_pd("divpd", _mm_div_pd(_mm_set_pd(1.0, -2.0), _mm_set_pd(3.0, 7.0)));
        show_pd("sqrtpd", _mm_sqrt_pd(_mm_set_pd(2.0, 3.0)));
        printf("  flags %02x\n", flags());
        show_pd("overflow", _mm_mul_sd(_mm_set_sd(big), _mm_set_sd(10.0)));
        printf("  flags %02x\n", flags());
        show_pd("underflow", _mm_mul_sd(_mm_set_sd(tiny), _mm_set_sd(0.3)));
        printf("  flags %02x\n", flags());
        show_ps("addps", _mm_add_ps(_mm_set_ps(1.0f, 1e8f, -1e-8f, 3.0f), _mm_set_ps(1e-8f, 1.0f, 1.0f, 1.0f / 3)));
        show_ps("divss", _mm_div_ss(_mm_set_ss(2.0f), _mm_set_ss(3.0f)));
        printf("cvtsd2si %d %d %d %d\n", _mm_cvtsd_si32(_mm_set_sd(2.5)), _mm_cvtsd_si32(_mm_set_sd(-2.5)),
               _mm_cvtsd_si32(_mm_set_sd(3.5)), _mm_cvtsd_si32(_mm_set_sd(neg)));
        show_pi("cvtps2dq", _mm_cvtps_epi32(_mm_set_ps(0.5f, 1.5f, -1.5f, 2.5f)));
        show_ps("cvtsi2ss", _mm_cvtsi32_ss(_mm_setzero_ps(), 16777217));
        show_ps("cvtpd2ps", _mm_cvtpd_ps(_mm_set_pd(third, 1e300)));
        show_ps("cvtdq2ps", _mm_cvtepi32_ps(_mm_set_epi32(0x7fffffff, -33554431, 16777219, 3)));
        printf("  flags %02x\n", flags());
    }
    _mm_setcsr(0x1f80);

    /* Denormals: normal mode, DAZ, FTZ. */
    for (int mode = 0; mode < 3; mode++) {
        _mm_setcsr(0x1f80 | (mode == 1 ? 0x40 : 0) | (mode == 2 ? 0x8000 : 0));
        printf("-- denormals mode %d\n", mode);
        show_pd("tiny+0", _mm_add_sd(_mm_set_sd(tiny), _mm_set_sd(0.0)));
        printf("  flags %02x\n", flags());
        show_pd("tiny*2", _mm_mul_sd(_mm_set_sd(tiny), _mm_set_sd(2.0)));
        printf("  flags %02x\n", flags());
        show_pd("min/1e300", _mm_div_sd(_mm_set_sd(2.2250738585072014e-308), _mm_set_sd(1e10)));
        printf("  flags %02x\n", flags());
        show_ps("maxps", _mm_max_ps(_mm_set_ps(1e-40f, -1e-40f, 0.0f, 1.0f), _mm_set_ps(0.0f, 0.0f, -0.0f, 1e-42f)));
        printf("  flags %02x\n", flags());
    }
    _mm_setcsr(0x1f80);

    /* NaNs, infinities, signed zeros. */
    double qnan = dbits(0x7ff8000000000123ull), snan = dbits(0x7ff0000000000456ull);
    __m128d specials[] = { _mm_set_pd(qnan, 1.0), _mm_set_pd(snan, -0.0), _mm_set_pd(INFINITY, -INFINITY),
                           _mm_set_pd(0.0, -0.0), _mm_set_pd(-qnan, 2.0) };
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            __m128d a = specials[i], b = specials[j];
            printf("-- %d %d\n", i, j);
            show_pd("add", _mm_add_pd(a, b));
            show_pd("mul", _mm_mul_pd(a, b));
            show_pd("div", _mm_div_pd(a, b));
            show_pd("min", _mm_min_pd(a, b));
            show_pd("max", _mm_max_pd(a, b));
            show_pd("cmplt", _mm_cmplt_pd(a, b));
            show_pd("cmpunord", _mm_cmpunord_pd(a, b));
            show_pd("cmpneq", _mm_cmpneq_pd(a, b));
            printf("movmskpd %d comieq %d ucomilt %d\n", _mm_movemask_pd(_mm_cmpge_pd(a, b)),
                   _mm_comieq_sd(a, b), _mm_ucomilt_sd(a, b));
            printf("  flags %02x\n", flags());
        }
    static const double convs[] = { 2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0, -2147483649.0,
                                    -0.99, 1e100, -1e-300 };
    for (unsigned i = 0; i < sizeof convs / sizeof convs[0]; i++) {
        double d = convs[i];
        printf("cvttsd2si(%g) = %d", d, _mm_cvttsd_si32(_mm_set_sd(d)));
        printf(" cvtsd2si = %d", _mm_cvtsd_si32(_mm_set_sd(d)));
        printf(" cvttss2si = %d flags %02x\n", _mm_cvtt_ss2si(_mm_set_ss((float)d)), flags());
    }
    printf("cvttsd2si(nan) = %d cvtsd2si(inf) = %d flags %02x\n", _mm_cvttsd_si32(_mm_set_sd(qnan)),
           _mm_cvtsd_si32(_mm_set_sd(INFINITY)), flags());
    show_pd("cvtps2pd", _mm_cvtps_pd(_mm_set_ps(0, 0, -1e-45f, NAN)));
    show_pd("cvtdq2pd", _mm_cvtepi32_pd(_mm_set_epi32(0, 0, -7, 0x7fffffff)));
    show_pi("cvttpd2dq", _mm_cvttpd_epi32(_mm_set_pd(-3.99, 1e10)));
    printf("  flags %02x\n", flags());

    /* SSE3 horizontal operations. */
    __m128 p = _mm_set_ps(4.0f, 3.0f, 2.0f, 1.0f), q = _mm_set_ps(0.1f, 1e20f, -1e20f, 8.0f);
    show_ps("haddps", _mm_hadd_ps(p, q));
    show_ps("hsubps", _mm_hsub_ps(p, q));
    show_ps("addsubps", _mm_addsub_ps(p, q));
    show_pd("haddpd", _mm_hadd_pd(x, y));
    show_pd("hsubpd", _mm_hsub_pd(x, y));
    show_pd("addsubpd", _mm_addsub_pd(x, y));
    show_ps("movehdup", _mm_movehdup_ps(q));
    show_pd("movedup", _mm_movedup_pd(x));
    printf("movmskps %d\n", _mm_movemask_ps(q));
    printf("  flags %02x\n", flags());

    /* rcp/rsqrt: within 1.5 * 2^-12 relative error, or the exact special. */
    static const float rs[] = { 1.0f, 3.0f, 0.1f, 1e30f, 7e-30f, 123456.0f, 0.0f, INFINITY, -2.0f };
    for (unsigned i = 0; i < sizeof rs / sizeof rs[0]; i++) {
        float v = rs[i], r = _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(v))), s = _mm_cvtss_f32(_mm_rsqrt_ss(_mm_set_ss(v)));
        int rok = fabs((double)r * v - 1) <= 1.5 * 0x1p-12, sok = fabs((double)s * s * v - 1) <= 3 * 0x1p-12;
        printf("rcp(%g) ok %d%s rsqrt ok %d%s\n", v, rok, rok ? "" : (isinf(r) ? " inf" : r == 0 ? " zero" : " ?"),
               sok, sok ? "" : (isinf(s) ? " inf" : isnan(s) ? " nan" : s == 0 ? " zero" : " ?"));
    }
    return 0;
}
