/* The schedule plug-in's residual weighting and on-policy sampler (hjb.h: compute_clock,
 * relative, onpolicy_frac), checked against the unweighted plug-in built beside them.
 *
 * - compute_clock: every residual coefficient and r0 equals the wall-clock one times
 *   B_ref/B, B_ref = clamp(C_max/T) (= 2 at the canonical model); exact up to rounding (1e-14).
 * - relative: times (V0(x0) + f)/(V0(x) + f), f = relative · V0(x0), with V0 the openloop prior
 *   (evaluated here through the plug-in's own prior callback); 1e-14. At the initial state the
 *   weight is 1.
 * - both together: the product.
 * - relative_value: the same with V0(x) replaced by the values improve was just given at
 *   those points; without them, the prior's weight again.
 * - on-policy sampling with one recorded state and onpolicy_frac = 1: 20,000 points whose a_k
 *   have mean c_k and standard deviation sqrt((0.1 c_k)² + (0.02 a_k(0))²), r̃ the log-normal
 *   factor (mean of ln(r̃/c_r) 0, sd 0.1; no point clamped at these values), t̃ sd 0.01 —
 *   each mean within 4 standard errors, each sd within 3% (its standard error is ~0.5%).
 *   Without recorded states the sampler falls back to the box: every a_k inside
 *   a0 · [a_low, a_high].
 * - reachable: box points uniform over r ≤ C_max − B_min t (no point outside; the share below
 *   a time and the mean budget against the region's exact areas, 4 standard errors).
 * - fold: the residual and the prior are even in each a_k alone — at a point with one a_k
 *   negated, r0 and every coefficient but ∂_{a_k}V's are the same and that one is negated, the
 *   prior's value and jets likewise (to rounding, 1e-14) — which is what lets a folded network see
 *   |a_k|; a folded plug-in samples, on the same random numbers, exactly |a_k| of the unfolded
 *   one's points (interior and boundary, the same boundary targets), and its input map folds;
 *   a stretched one (hjb.h, stretch) the unstretched one's points through its map, the same
 *   targets.
 * - a relative residual without a prior is refused (EINVAL). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "optsched/hjb.h"
#include "optsched/exact.h"
#include "optsched/openloop.h"

#define N 256

static optsched_hjb_problem *make(const optsched_model *m, const optsched_schedule *sch,
                                  int clock, double relative, double onpolicy,
                                  optsched_dgm_problem *prob)
{
    optsched_hjb_sampling samp;
    optsched_hjb_sampling_default(&samp);
    samp.prior = OPTSCHED_HJB_PRIOR_OPENLOOP;
    samp.prior_schedule = sch;
    samp.compute_clock = clock;
    samp.relative = relative;
    samp.onpolicy_frac = onpolicy;
    optsched_error err = {0};
    optsched_hjb_problem *hp = optsched_hjb_problem_create(m, &samp, prob, &err);
    CHECK(hp != NULL, "plug-in: %s", err.msg);
    return hp;
}

int main(void)
{
    optsched_model_params mp;
    optsched_model_params_default(&mp);
    mp.modes = 2;
    optsched_model *m = NULL;
    optsched_error err = {0};
    CHECK_OK(optsched_model_alloc(&m, &mp, &err), err);
    optsched_openloop *ol = optsched_openloop_create(m, &err);
    CHECK_OK(optsched_openloop_solve(ol, &err), err);
    optsched_schedule sch = {0};
    CHECK_OK(optsched_openloop_schedule(ol, &sch, &err), err);
    optsched_openloop_destroy(ol);

    const int K = m->K, d = K + 2, C = 3 + 2 * K;
    const double rel = 0.3, B_ref = 2.0; /* clamp(20 / 10, 1, 256) */
    optsched_dgm_problem p0, pc, pr, pb;
    optsched_hjb_problem *h0 = make(m, &sch, 0, 0.0, 0.0, &p0);
    optsched_hjb_problem *hc = make(m, &sch, 1, 0.0, 0.0, &pc);
    optsched_hjb_problem *hr = make(m, &sch, 0, rel, 0.0, &pr);
    optsched_hjb_problem *hb = make(m, &sch, 1, rel, 0.0, &pb);

    /* points from the box sampler, controls spread over the whole box (log-uniform) */
    static double x[N * 4], u[2 * N], r00[N], rc[N], rr[N], rb[N], c0[N * 7], cc[N * 7],
        cr[N * 7], cb[N * 7], J[N * 7];
    optsched_dgm_rng rng = {7, 1, 0};
    CHECK_OK(p0.sample_interior(p0.ctx, &rng, N, x), err);
    for (int i = 0; i < N; i++) {
        u[2 * i] = m->eta_min * pow(m->eta_max / m->eta_min, optsched_dgm_rng_uniform(&rng, 9000 + i, 0));
        u[2 * i + 1] = m->B_min * pow(m->B_max / m->B_min, optsched_dgm_rng_uniform(&rng, 9000 + i, 1));
    }
    optsched_hjb_input(h0, m->a0, m->C, 0.0, x); /* point 0: the initial state */
    CHECK_OK(p0.residual(p0.ctx, N, x, u, r00, c0), err);
    CHECK_OK(pc.residual(pc.ctx, N, x, u, rc, cc), err);
    CHECK_OK(pr.residual(pr.ctx, N, x, u, rr, cr), err);
    CHECK_OK(pb.residual(pb.ctx, N, x, u, rb, cb), err);
    CHECK_OK(p0.prior(p0.ctx, N, x, J), err);
    const double V00 = J[0], f = rel * V00;
    for (int i = 0; i < N; i++) {
        const double wc = B_ref / u[2 * i + 1], wr = (V00 + f) / (J[i * C] + f);
        if (i == 0) CHECK_ABS(wr, 1.0, 1e-15, "relative weight at the initial state");
        CHECK_ABS(rc[i], wc * r00[i], 1e-14 * (1 + fabs(wc * r00[i])), "r0, compute clock");
        CHECK_ABS(rr[i], wr * r00[i], 1e-14 * (1 + fabs(wr * r00[i])), "r0, relative");
        CHECK_ABS(rb[i], wc * wr * r00[i], 1e-14 * (1 + fabs(wc * wr * r00[i])), "r0, both");
        for (int k = 0; k < C; k++) {
            const double w0 = c0[i * C + k];
            CHECK_ABS(cc[i * C + k], wc * w0, 1e-14 * fabs(wc * w0), "coefficient, compute clock");
            CHECK_ABS(cr[i * C + k], wr * w0, 1e-14 * fabs(wr * w0), "coefficient, relative");
            CHECK_ABS(cb[i * C + k], wc * wr * w0, 1e-14 * fabs(wc * wr * w0), "coefficient, both");
        }
    }

    /* relative_value: the weight's V is the one improve was just given at these points
     * (here the prior's jets with the value scaled by 0.1-1.1), the floor and the
     * normalisation the prior's; a residual of points improve has not seen falls back to
     * the prior's weight */
    {
        optsched_hjb_sampling sv;
        optsched_hjb_sampling_default(&sv);
        sv.prior = OPTSCHED_HJB_PRIOR_OPENLOOP;
        sv.prior_schedule = &sch;
        sv.relative = rel;
        sv.relative_value = 1;
        optsched_dgm_problem pv;
        optsched_hjb_problem *hv = optsched_hjb_problem_create(m, &sv, &pv, &err);
        CHECK(hv != NULL, "plug-in (relative_value): %s", err.msg);
        static double Jv[N * 7], uv[2 * N], rv[N], cv[N * 7];
        for (int i = 0; i < N * C; i++) Jv[i] = J[i];
        for (int i = 0; i < N; i++) Jv[i * C] = J[i * C] * (0.1 + (double)i / N);
        CHECK_OK(pv.improve(pv.ctx, N, x, Jv, uv), err);
        CHECK_OK(pv.residual(pv.ctx, N, x, u, rv, cv), err);
        int ok = 1;
        for (int i = 0; i < N; i++) {
            const double wv = (V00 + f) / (Jv[i * C] + f);
            ok &= fabs(rv[i] - wv * r00[i]) <= 1e-14 * (1 + fabs(wv * r00[i]));
            for (int k = 0; k < C; k++)
                ok &= fabs(cv[i * C + k] - wv * c0[i * C + k]) <= 1e-14 * fabs(wv * c0[i * C + k]);
        }
        CHECK(ok, "relative_value: weights (V0(x0) + f)/(V(x) + f) with V the frozen network's");
        CHECK_OK(pv.residual(pv.ctx, N, x, u, rv, cv), err);
        ok = 1;
        for (int i = 0; i < N; i++) {
            const double wr = (V00 + f) / (J[i * C] + f);
            ok &= fabs(rv[i] - wr * r00[i]) <= 1e-14 * (1 + fabs(wr * r00[i]));
        }
        CHECK(ok, "relative_value: without improve's values, the prior's weight");
        CHECK(pv.boundary_weight == NULL, "boundary weights without relative_boundary");
        optsched_hjb_problem_free(hv);

        /* relative_boundary: the boundary penalty's weight ((V0(x0) + f)/(g + f))² with g the
         * target (a negative one counts as 0), only with a relative residual */
        sv.relative_boundary = 1;
        hv = optsched_hjb_problem_create(m, &sv, &pv, &err);
        CHECK(hv != NULL && pv.boundary_weight != NULL, "plug-in (relative_boundary): %s", err.msg);
        static double g[N], wb[N];
        for (int i = 0; i < N; i++) g[i] = i == 0 ? -1e-3 : 0.5 * V00 * (i - 1) / N;
        CHECK_OK(pv.boundary_weight(pv.ctx, N, x, g, wb), err);
        ok = 1;
        for (int i = 0; i < N; i++) {
            const double q = (V00 + f) / (fmax(g[i], 0.0) + f);
            ok &= fabs(wb[i] - q * q) <= 1e-14 * q * q;
        }
        CHECK(ok && wb[0] == wb[1], "relative_boundary: weights ((V0(x0) + f)/(g + f))^2");
        optsched_hjb_problem_free(hv);
        sv.relative = 0;
        sv.relative_value = 0;
        hv = optsched_hjb_problem_create(m, &sv, &pv, &err);
        CHECK(hv != NULL && pv.boundary_weight == NULL, "relative_boundary without a relative residual: unweighted");
        optsched_hjb_problem_free(hv);
    }

    /* on-policy sampling around one recorded state */
    optsched_dgm_problem po;
    optsched_hjb_problem *ho = make(m, &sch, 0, 0.0, 1.0, &po);
    enum { M = 20000 };
    static double xs[M * 4];
    CHECK_OK(po.sample_interior(po.ctx, &rng, 64, xs), err); /* no states yet: the box */
    for (int i = 0; i < 64; i++)
        for (int k = 0; k < K; k++)
            CHECK(xs[i * d + k] >= -0.5 * m->a0[k] && xs[i * d + k] <= 1.25 * m->a0[k],
                  "box point %d: a_%d = %g", i, k, xs[i * d + k]);
    const double c[4] = {0.4, -0.2, 0.5, 0.3}, y = 0.01;
    CHECK_OK(optsched_hjb_problem_set_anchors(ho, 1, c, &y, &err), err);
    CHECK_OK(po.sample_interior(po.ctx, &rng, M, xs), err);
    for (int j = 0; j < d; j++) {
        double s1 = 0, s2 = 0;
        for (int i = 0; i < M; i++) {
            double v = j == K ? log(xs[i * d + j] / c[j]) : xs[i * d + j] - c[j];
            s1 += v;
            s2 += v * v;
        }
        const double mean = s1 / M, sd = sqrt(s2 / M - mean * mean);
        const double want = j < K ? sqrt(pow(0.1 * c[j], 2) + pow(0.02 * m->a0[j], 2))
                                  : (j == K ? 0.1 : 0.01);
        CHECK(fabs(mean) <= 4 * want / sqrt((double)M), "coordinate %d: mean offset %g (sd %g)", j,
              mean, want);
        CHECK_REL(sd, want, 0.03, "on-policy spread");
    }

    /* box points on the reachable set r ≤ C_max − B_min t: uniform over it. Canonical model
     * (C = 20, T = 10, B_min = 1): area 150; P(t ≤ 5) = 87.5/150; E[r] = (20³ − 10³)/6/150.
     * C = 4: the triangle t ≤ 4 (area 8); P(t ≤ 2) = 6/8; E[r] = 4³/6/8. Each within 4
     * standard errors of M points. */
    for (int cs = 0; cs < 2; cs++) {
        optsched_model_params mq = mp;
        mq.budget = cs ? 4.0 : 20.0;
        optsched_model *mr = NULL;
        CHECK_OK(optsched_model_alloc(&mr, &mq, &err), err);
        optsched_hjb_sampling sr;
        optsched_hjb_sampling_default(&sr);
        sr.reachable = 1;
        optsched_dgm_problem prq;
        optsched_hjb_problem *hq = optsched_hjb_problem_create(mr, &sr, &prq, &err);
        CHECK(hq != NULL, "plug-in (reachable): %s", err.msg);
        CHECK_OK(prq.sample_interior(prq.ctx, &rng, M, xs), err);
        const double Cm = mr->C, T = mr->T, th = cs ? 2.0 : 5.0;
        const double p_th = cs ? 6.0 / 8 : 87.5 / 150;
        const double r_mean = cs ? 64.0 / 6 / 8 : 7000.0 / 6 / 150;
        int outside = 0, below = 0;
        double rs = 0, rs2 = 0;
        for (int i = 0; i < M; i++) {
            const double r = xs[i * d + K] * Cm, t = xs[i * d + K + 1] * T;
            if (r < 0 || t < 0 || r > Cm - mr->B_min * t + 1e-12) outside++;
            below += t <= th;
            rs += r;
            rs2 += r * r;
        }
        const double rm = rs / M, rsd = sqrt(rs2 / M - rm * rm), pb_ = (double)below / M;
        CHECK(outside == 0, "C = %g: %d points outside the reachable set", Cm, outside);
        CHECK(fabs(pb_ - p_th) <= 4 * sqrt(p_th * (1 - p_th) / M), "C = %g: P(t <= %g) %g, want %g",
              Cm, th, pb_, p_th);
        CHECK(fabs(rm - r_mean) <= 4 * rsd / sqrt((double)M), "C = %g: E[r] %g, want %g", Cm, rm,
              r_mean);
        optsched_hjb_problem_free(hq);
        optsched_model_free(mr);
    }

    /* fold: the residual and the prior are even in each mode alone */
    {
        static double xf[N * 4], r1[N], c1[N * 7], J1[N * 7];
        for (int k = 0; k < K; k++) {
            for (int i = 0; i < N * d; i++) xf[i] = x[i];
            for (int i = 0; i < N; i++) xf[i * d + k] = -x[i * d + k];
            CHECK_OK(p0.residual(p0.ctx, N, xf, u, r1, c1), err);
            CHECK_OK(p0.prior(p0.ctx, N, xf, J1), err);
            for (int i = 0; i < N; i++) {
                CHECK(fabs(r1[i] - r00[i]) <= 1e-14 * (1 + fabs(r00[i])), "a_%d negated: r0", k);
                for (int ch = 0; ch < C; ch++) {
                    const double sg = ch == 1 + k ? -1 : 1; /* the channel dV/da_k */
                    const double cw = sg * c0[i * C + ch], jw = sg * J[i * C + ch];
                    CHECK(fabs(c1[i * C + ch] - cw) <= 1e-14 * (1 + fabs(cw)),
                          "a_%d negated: coefficient %d: %g vs %g", k, ch, c1[i * C + ch], cw);
                    CHECK(fabs(J1[i * C + ch] - jw) <= 1e-14 * (1 + fabs(jw)),
                          "a_%d negated: prior jet %d: %g vs %g", k, ch, J1[i * C + ch], jw);
                }
            }
        }
        /* folded (one mode, C_max = 4): the same random numbers give |a| of the unfolded
         * plug-in's points; boundary points alternate terminal face, budget face, a = 0 */
        optsched_model_params m1p = mp;
        m1p.modes = 1;
        m1p.budget = 4.0;
        optsched_model *m1 = NULL;
        CHECK_OK(optsched_model_alloc(&m1, &m1p, &err), err);
        optsched_hjb_sampling sf;
        optsched_hjb_sampling_default(&sf);
        sf.path_frac = 0.5;
        sf.reachable = 1;
        optsched_dgm_problem pu, pf, p2;
        optsched_hjb_problem *hu = optsched_hjb_problem_create(m1, &sf, &pu, &err);
        sf.fold = 1;
        optsched_hjb_problem *hf = optsched_hjb_problem_create(m1, &sf, &pf, &err);
        CHECK(hu && hf, "plug-ins (fold): %s", err.msg);
        optsched_error e3 = {0};
        CHECK(optsched_hjb_problem_create(m, &sf, &p2, &e3) == NULL && e3.code == OPTSCHED_EINVAL,
              "fold with two modes: refused (code %d)", e3.code);
        const int d1 = 3;
        static double xu[N * 3], xg[N * 3], tu[N], tf[N];
        const optsched_dgm_rng rs = {11, 1, 0};
        CHECK_OK(pu.sample_interior(pu.ctx, &rs, N, xu), err);
        CHECK_OK(pf.sample_interior(pf.ctx, &rs, N, xg), err);
        int negative = 0, same = 1;
        for (int i = 0; i < N * d1; i++) {
            negative += i % d1 == 0 && xu[i] < 0;
            same &= xg[i] == fabs(xu[i]);
        }
        CHECK(negative > 0 && same, "fold: interior points are |a| of the unfolded ones (%d negative)",
              negative);
        CHECK_OK(pf.sample_boundary(pf.ctx, &rs, N, xg, tf), err);
        CHECK_OK(pu.sample_boundary(pu.ctx, &rs, N, xu, tu), err);
        /* a = 0: the exact loss of the constant schedule (eta_min, B_max) from a = 0 with the
         * point's budget and the rest of the horizon (optsched_exact_eval on its own model) */
        int faces[3] = {0, 0, 0}, ok = 1;
        double worst = 0;
        for (int i = 0; i < N; i++) {
            const double *xi = xg + i * d1, r = xi[1] * m1->C, t = xi[2] * m1->T;
            ok &= xi[0] >= 0;
            if (xi[2] == 1.0) {
                faces[0]++;
                ok &= tf[i] == optsched_model_ell(m1, xi) + m1->tail;
            } else if (xi[1] == 0.0) {
                faces[1]++;
                ok &= tf[i] == optsched_model_ell(m1, xi) + m1->tail;
            } else {
                faces[2]++;
                ok &= xi[0] == 0.0 && r <= m1->C - m1->B_min * t + 1e-12;
                const double zero = 0.0;
                optsched_model_params q = m1p;
                q.a0_modes = &zero;
                q.budget = r;
                q.horizon = m1->T - t;
                optsched_model *mz = NULL;
                CHECK_OK(optsched_model_alloc(&mz, &q, &err), err);
                optsched_schedule cs = {0};
                char spec[128];
                snprintf(spec, sizeof spec, "constant:eta=%.17g,B=%.17g", m1->eta_min, m1->B_max);
                CHECK_OK(optsched_schedule_parse(&cs, spec, mz, &err), err);
                optsched_exact_result ex;
                CHECK_OK(optsched_exact_eval(mz, &cs, &ex, &err), err);
                worst = fmax(worst, fabs(tf[i] - ex.expected_loss) / ex.expected_loss);
                optsched_schedule_clear(&cs);
                optsched_model_free(mz);
            }
        }
        CHECK(ok && faces[0] > N / 4 && faces[1] > N / 4 && faces[2] > N / 4,
              "fold: boundary points on the three faces (%d, %d, %d), |a|, terminal and budget "
              "targets l(a) + L_tail, a = 0 points reachable", faces[0], faces[1], faces[2]);
        CHECK(worst <= 1e-9, "fold: a = 0 targets are the exact value of parking (worst %.2g)", worst);
        /* park_face alone: the same boundary points and targets, a not folded */
        sf.fold = 0;
        sf.park_face = 1;
        optsched_dgm_problem pp;
        optsched_hjb_problem *hpf = optsched_hjb_problem_create(m1, &sf, &pp, &err);
        CHECK(hpf != NULL, "plug-in (park_face): %s", err.msg);
        static double xp[N * 3], tp[N];
        CHECK_OK(pp.sample_boundary(pp.ctx, &rs, N, xp, tp), err);
        int signs = 0;
        same = 1;
        for (int i = 0; i < N; i++) {
            signs += xp[i * d1] < 0;
            same &= tp[i] == tf[i] && xp[i * d1 + 1] == xg[i * d1 + 1] && xp[i * d1 + 2] == xg[i * d1 + 2] &&
                    fabs(xp[i * d1]) == xg[i * d1];
        }
        CHECK(same && signs > 0, "park_face: the folded plug-in's boundary points and targets, a unfolded (%d negative)",
              signs);
        optsched_hjb_problem_free(hpf);
        /* stretched (with the parking face): the same random numbers give the same a, r, t
         * through the input's map — optsched_hjb_state recovers the unstretched plug-ins'
         * a to 1e-14 — and the same boundary targets (taken on a, before the map) */
        sf.stretch = 0.1;
        optsched_dgm_problem ps;
        optsched_hjb_problem *hs = optsched_hjb_problem_create(m1, &sf, &ps, &err);
        CHECK(hs != NULL, "plug-in (stretch): %s", err.msg);
        static double xst[N * 3], tst[N];
        CHECK_OK(ps.sample_boundary(ps.ctx, &rs, N, xst, tst), err);
        int moved = 0;
        same = 1;
        for (int i = 0; i < N; i++) {
            double ab;
            optsched_hjb_state(hs, xst + i * d1, &ab);
            moved += xst[i * d1] != xp[i * d1];
            same &= tst[i] == tp[i] && xst[i * d1 + 1] == xp[i * d1 + 1] && xst[i * d1 + 2] == xp[i * d1 + 2] &&
                    fabs(ab - xp[i * d1]) <= 1e-14 && (xp[i * d1] != 0.0 || xst[i * d1] == 0.0);
        }
        CHECK(same && moved > N / 2, "stretch: boundary points are the park-face plug-in's, mapped (%d moved)", moved);
        CHECK_OK(ps.sample_interior(ps.ctx, &rs, N, xst), err);
        CHECK_OK(pu.sample_interior(pu.ctx, &rs, N, xu), err);
        same = 1;
        for (int i = 0; i < N; i++) {
            double ab;
            optsched_hjb_state(hs, xst + i * d1, &ab);
            same &= fabs(ab - xu[i * d1]) <= 1e-14 && xst[i * d1 + 1] == xu[i * d1 + 1] &&
                    xst[i * d1 + 2] == xu[i * d1 + 2] && (xst[i * d1] < 0) == (xu[i * d1] < 0);
        }
        CHECK(same, "stretch: interior points are the unstretched plug-in's, mapped");
        optsched_hjb_problem_free(hs);
        sf.stretch = 0;
        const double an = -0.3;
        double xi3[3];
        optsched_hjb_input(hf, &an, 2.0, 1.0, xi3);
        CHECK(xi3[0] == 0.3, "fold: input map takes |a|");
        optsched_hjb_problem_free(hu);
        optsched_hjb_problem_free(hf);
        optsched_model_free(m1);
    }

    /* a relative residual needs a prior */
    optsched_hjb_sampling bad;
    optsched_hjb_sampling_default(&bad);
    bad.prior = OPTSCHED_HJB_PRIOR_NONE;
    bad.relative = 0.3;
    optsched_dgm_problem pn;
    optsched_error e2 = {0};
    CHECK(optsched_hjb_problem_create(m, &bad, &pn, &e2) == NULL && e2.code == OPTSCHED_EINVAL,
          "relative without a prior: refused (code %d)", e2.code);

    optsched_hjb_problem_free(h0);
    optsched_hjb_problem_free(hc);
    optsched_hjb_problem_free(hr);
    optsched_hjb_problem_free(hb);
    optsched_hjb_problem_free(ho);
    optsched_schedule_clear(&sch);
    optsched_model_free(m);
    return check_summary("test_hjb_sampling");
}
