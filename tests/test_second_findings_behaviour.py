"""What a pair's second-difference ladder concludes (``checks.second_findings``), pinned.

Every branch of :func:`_corners`, :func:`_remember`, :func:`_finalize`, :func:`describe_pairs`
and its findings, on hand-built per-pair memories whose expected values follow from the module
docstring's rules (the one-surface identity ``|J_+| + |J_-| = 2 (h_k^2 |J_k| + h_l^2 |J_l|)``
within three error bounds; a claim is ``T + 3E`` about the estimate; ...). Binary fractions
keep the boundaries exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from checks._util import NonFiniteValueError
from checks.ladder import JUMP, KINK, OVERFLOW, SMOOTH, UNRESOLVED
from checks.second import _State
from checks.second_findings import Second, _corners, _finalize, _remember, describe_pairs

# ----------------------------------------------------------------------------- _corners

PAIRS = np.array([[0, 0], [1, 1], [0, 1]])
H = np.array([0.5, 0.25])


def corner_case(kink_jumps, kinds=(KINK, KINK), err_p=0.125, pairs=PAIRS):
    """Diagonal (0, 0) kinked with jump 1 and error 1/4; (1, 1) kinked with jump 2, error 1/2;
    the cross pair (0, 1) kinked on [1, 2] (error 1/8, value 1.5).

    In h^2 units: J_0 h_0^2 = 1/4, J_1 h_1^2 = 2/16 = 1/8, so one surface predicts
    2 (1/4 + 1/8) = 3/4; the errors e_0 h_0^2 = 1/16, e_1 h_1^2 = 1/32 and the lines' 1/8
    allow 3 (1/8 + 2 (1/16 + 1/32)) = 15/16 around it.
    """
    n = len(pairs)
    kind = np.array([kinds[0], kinds[1], KINK][:n], dtype=np.int8)
    out = {"lower": np.array([0.0, 1.0, 1.0][:n]), "upper": np.array([1.0, 3.0, 2.0][:n]),
           "error": np.array([0.25, 0.5, err_p][:n]), "value": np.array([0.5, 2.0, 1.5][:n])}
    mem = _State(n)
    mem.kink_jumps[n - 1] = kink_jumps
    mem.kink_jumps_err[n - 1] = 0.125
    return kind, out, mem


@pytest.mark.parametrize("jumps", [0.75, 0.75 + 15 / 16, 0.75 - 15 / 16])
def test_a_cross_kink_that_fits_one_surface_within_three_bounds_stays_a_kink(jumps):
    kind, out, mem = corner_case(jumps)
    corner = _corners(PAIRS, H, kind, out, mem)
    assert corner.tolist() == [False, False, False]
    assert kind.tolist() == [KINK, KINK, KINK]
    assert (out["lower"][2], out["upper"][2], out["error"][2]) == (1.0, 2.0, 0.125)


@pytest.mark.parametrize("jumps", [0.75 + 15 / 16 + 1 / 64, 0.75 - 15 / 16 - 1 / 64, 5.0])
def test_a_cross_kink_beyond_three_bounds_of_one_surface_is_a_corner(jumps):
    kind, out, mem = corner_case(jumps)
    corner = _corners(PAIRS, H, kind, out, mem)
    assert corner.tolist() == [False, False, True]
    assert kind.tolist() == [KINK, KINK, UNRESOLVED]
    # the interval [1, 2] collapses onto its value, its half-width joins the bound
    assert (out["lower"][2], out["upper"][2], out["value"][2]) == (1.5, 1.5, 1.5)
    assert out["error"][2] == 0.125 + 0.5
    # the diagonal pairs are untouched
    assert out["lower"][:2].tolist() == [0.0, 1.0] and out["upper"][:2].tolist() == [1.0, 3.0]


@pytest.mark.parametrize("other", [UNRESOLVED, JUMP])
@pytest.mark.parametrize("which", [0, 1])
def test_a_cross_kink_beside_an_unsettled_diagonal_is_a_corner(other, which):
    kinds = [KINK, KINK]
    kinds[which] = other
    kind, out, mem = corner_case(0.75, kinds=tuple(kinds))
    corner = _corners(PAIRS, H, kind, out, mem)
    assert corner[2] and kind[2] == UNRESOLVED
    assert out["error"][2] == 0.125 + 0.5


def test_smooth_diagonals_predict_no_jump():
    # both axes smooth (jump 0): one surface predicts 0, so a line jump of 1 beyond
    # 3 (1/8 + 2 (1/16 + 1/32)) = 15/16 is a corner (relu(x_0) relu(x_1) at 0)
    kind, out, mem = corner_case(1.0, kinds=(SMOOTH, SMOOTH))
    out["lower"][:2] = out["upper"][:2] = out["value"][:2]
    assert _corners(PAIRS, H, kind, out, mem)[2]
    kind, out, mem = corner_case(15 / 16, kinds=(SMOOTH, SMOOTH))
    out["lower"][:2] = out["upper"][:2] = out["value"][:2]
    assert not _corners(PAIRS, H, kind, out, mem)[2]


def test_only_kinked_cross_pairs_are_examined():
    # a smooth or unresolved cross pair, a kinked diagonal and a line without its diagonals
    # (directional mode) are left as they are, whatever their jumps
    for cross_kind in (SMOOTH, UNRESOLVED, JUMP):
        kind, out, mem = corner_case(99.0)
        kind[2] = cross_kind
        before = {k: v.copy() for k, v in out.items()}
        assert not _corners(PAIRS, H, kind, out, mem).any()
        assert kind[2] == cross_kind
        assert all(np.array_equal(before[k], out[k]) for k in out)
    lone = np.array([[0, 1]])
    kind = np.array([KINK], dtype=np.int8)
    out = {"lower": np.array([1.0]), "upper": np.array([2.0]), "error": np.array([0.1]),
           "value": np.array([1.5])}
    mem = _State(1)
    mem.kink_jumps[0] = 99.0
    mem.kink_jumps_err[0] = 0.0
    assert _corners(lone, H, kind, out, mem).tolist() == [False] and kind[0] == KINK
    # one diagonal present, the other missing: still a line alone
    half = np.array([[0, 0], [0, 1]])
    kind = np.array([KINK, KINK], dtype=np.int8)
    out = {"lower": np.array([0.0, 1.0]), "upper": np.array([1.0, 2.0]),
           "error": np.array([0.1, 0.1]), "value": np.array([0.5, 1.5])}
    mem = _State(2)
    mem.kink_jumps[1], mem.kink_jumps_err[1] = 99.0, 0.0
    assert not _corners(half, H, kind, out, mem).any() and kind[1] == KINK
    half = np.array([[1, 1], [0, 1]])
    mem = _State(2)
    mem.kink_jumps[1], mem.kink_jumps_err[1] = 99.0, 0.0
    assert not _corners(half, H, kind, out, mem).any() and kind[1] == KINK


def test_corners_read_the_diagonals_by_entry_not_by_position():
    # the same case with the pairs listed cross first: (0, 1), (1, 1), (0, 0)
    pairs = np.array([[0, 1], [1, 1], [0, 0]])
    for jumps, expect in ((0.75 + 15 / 16, False), (0.75 + 15 / 16 + 1 / 64, True)):
        kind, out, mem = corner_case(jumps)
        perm = [2, 1, 0]
        kind = kind[perm]
        out = {k: v[perm] for k, v in out.items()}
        mem2 = _State(3)
        mem2.kink_jumps[0], mem2.kink_jumps_err[0] = jumps, 0.125
        assert _corners(pairs, H, kind, out, mem2).tolist() == [expect, False, False]


# ----------------------------------------------------------------------------- _remember


def remember(mem, idx, candidate, valid, r2, trunc, roundoff, lev=None, top=None, s=None):
    n = len(idx)
    lev = np.arange(n) + 3 if lev is None else lev
    top = np.full(n, 7.0) if top is None else top
    s = np.full(n, 1e-3) if s is None else s
    _remember(mem, np.asarray(idx), np.asarray(candidate), np.asarray(valid),
              np.asarray(r2, float), np.asarray(trunc, float), np.asarray(roundoff, float),
              np.asarray(lev), np.asarray(top, float), np.asarray(s, float))


def test_remember_keeps_the_candidate_of_smallest_truncation_plus_roundoff():
    mem = _State(2)
    remember(mem, [0, 1], [True, True], [True, True], [1.0, 2.0], [0.25, 0.5], [0.125, 0.25],
             lev=np.array([2, 3]), top=np.array([5.0, 6.0]), s=np.array([1e-4, 2e-4]))
    assert mem.best_val.tolist() == [1.0, 2.0]
    assert mem.best_err.tolist() == [0.375, 0.75]
    assert mem.best_trunc.tolist() == [0.25, 0.5]
    assert mem.best_round.tolist() == [0.125, 0.25]
    assert mem.best_level.tolist() == [2, 3]
    assert mem.best_top.tolist() == [5.0, 6.0] and mem.best_s.tolist() == [1e-4, 2e-4]
    # pair 0: a worse candidate (0.5) and an equal one (0.375) do not replace the best;
    # pair 1: a better one (0.5 < 0.75) does
    remember(mem, [0], [True], [True], [9.0], [0.25], [0.25])
    remember(mem, [0], [True], [True], [8.0], [0.25], [0.125])
    assert mem.best_val[0] == 1.0 and mem.best_err[0] == 0.375 and mem.best_level[0] == 2
    remember(mem, [1], [True], [True], [3.0], [0.25], [0.25], lev=np.array([9]),
             top=np.array([4.0]), s=np.array([3e-4]))
    assert (mem.best_val[1], mem.best_err[1], mem.best_level[1]) == (3.0, 0.5, 9)
    assert (mem.best_trunc[1], mem.best_round[1]) == (0.25, 0.25)
    assert (mem.best_top[1], mem.best_s[1]) == (4.0, 3e-4)


def test_a_window_that_is_not_a_candidate_is_never_the_best_nor_a_claim():
    mem = _State(1)
    remember(mem, [0], [False], [True], [1.0], [0.0], [0.0])
    assert np.isnan(mem.best_val[0]) and mem.best_err[0] == np.inf
    assert (mem.claim_lo[0], mem.claim_hi[0]) == (-np.inf, np.inf)
    assert (mem.hull_lo[0], mem.hull_hi[0]) == (np.inf, -np.inf)
    assert mem.since[0] == 1
    remember(mem, [0], [False], [True], [1.0], [0.0], [0.0])
    assert mem.since[0] == 2
    remember(mem, [0], [True], [True], [1.0], [0.0], [0.0])
    assert mem.since[0] == 0


def test_claims_are_truncation_plus_three_roundoffs_intersected_and_hulled():
    mem = _State(1)
    # claim 1: 1 +- (0.25 + 3 * 0.125) = [0.375, 1.625]
    remember(mem, [0], [True], [True], [1.0], [0.25], [0.125])
    assert (mem.claim_lo[0], mem.claim_hi[0]) == (0.375, 1.625)
    assert (mem.hull_lo[0], mem.hull_hi[0]) == (0.375, 1.625)
    # claim 2: 2 +- (0.125 + 3 * 0.0625) = [1.6875, 2.3125]: excludes the first
    remember(mem, [0], [True], [True], [2.0], [0.125], [0.0625])
    assert (mem.claim_lo[0], mem.claim_hi[0]) == (1.6875, 1.625)
    assert (mem.hull_lo[0], mem.hull_hi[0]) == (0.375, 2.3125)


def test_the_last_estimates_follow_the_valid_windows_only():
    mem = _State(2)
    remember(mem, [0, 1], [False, False], [True, False], [1.0, 5.0], [0.25, 0.25],
             [0.125, 0.125], lev=np.array([4, 4]), top=np.array([2.0, 3.0]))
    assert mem.last_val[0] == 1.0 and np.isnan(mem.last_val[1])
    assert mem.last_err[0] == 0.375 and mem.last_err[1] == np.inf
    assert mem.last_level.tolist() == [4, 0] and mem.last_top.tolist() == [2.0, 0.0]
    assert np.isnan(mem.prev_val).all()
    remember(mem, [0, 1], [False, False], [True, True], [1.5, 6.0], [0.5, 0.5],
             [0.0, 0.0], lev=np.array([5, 5]))
    assert mem.prev_val[0] == 1.0 and np.isnan(mem.prev_val[1])
    assert mem.last_val.tolist() == [1.5, 6.0] and mem.last_level.tolist() == [5, 5]


# ----------------------------------------------------------------------------- _finalize


def blank(n=1):
    return {k: np.full(n, np.nan) for k in ("value", "error", "lower", "upper", "step")}


def test_finalize_a_taken_candidate_is_its_value_and_bound_at_its_level():
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.best_val[0], mem.best_err[0], mem.best_level[0] = 2.0, 0.125, 3
    mem.claim_lo[0], mem.claim_hi[0] = 1.5, 1.5  # touching claims do not exclude each other
    mem.hull_lo[0], mem.hull_hi[0] = -10.0, 10.0
    _finalize(0, True, out, kind, mem, str)  # a kink seen too: the candidate wins
    assert [out[k][0] for k in ("value", "lower", "upper", "error", "step")] == \
        [2.0, 2.0, 2.0, 0.125, 0.125]
    assert kind[0] == SMOOTH


@pytest.mark.parametrize("hull, bound", [((1.5, 2.25), 0.5), ((1.75, 3.0), 1.0),
                                         ((1.875, 2.0625), 0.25)])
def test_finalize_claims_that_exclude_each_other_widen_to_the_far_end_of_the_hull(hull, bound):
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.best_val[0], mem.best_err[0], mem.best_level[0] = 2.0, 0.25, 0
    mem.claim_lo[0], mem.claim_hi[0] = 1.75, 1.5
    mem.hull_lo[0], mem.hull_hi[0] = hull
    _finalize(0, False, out, kind, mem, str)
    assert out["error"][0] == bound and out["value"][0] == 2.0 and out["step"][0] == 1.0


def test_finalize_a_kink_without_candidate_is_its_interval():
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.kink_lo[0], mem.kink_hi[0], mem.kink_err[0], mem.lev[0] = -1.0, 3.0, 0.25, 2
    _finalize(0, True, out, kind, mem, str)
    assert kind[0] == KINK
    assert [out[k][0] for k in ("lower", "upper", "value", "error", "step")] == \
        [-1.0, 3.0, 1.0, 0.25, 0.25]


def test_finalize_a_kink_not_seen_on_the_last_window_or_never_measured_is_unsettled():
    for kink, kerr in ((False, 0.25), (True, np.inf)):
        mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
        mem.kink_lo[0], mem.kink_hi[0], mem.kink_err[0], mem.lev[0] = -1.0, 3.0, kerr, 2
        mem.last_val[0], mem.prev_val[0], mem.last_err[0], mem.last_level[0] = 4.0, 3.5, 0.5, 1
        _finalize(0, kink, out, kind, mem, str)
        assert kind[0] == UNRESOLVED
        # the last estimate, its bound T + E plus the spread of the last two
        assert [out[k][0] for k in ("value", "lower", "upper", "error", "step")] == \
            [4.0, 4.0, 4.0, 1.0, 0.5]


def test_finalize_a_growing_pair_is_a_jump():
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.last_val[0], mem.last_err[0], mem.last_level[0] = 8.0, 0.5, 4
    mem.growing[0] = True
    _finalize(0, False, out, kind, mem, str)
    assert kind[0] == JUMP
    assert out["error"][0] == 0.5 + 8.0  # no previous estimate: the spread is |value|
    assert out["step"][0] == 1 / 16


def test_finalize_a_pair_never_finite_is_a_clear_error_naming_it_and_the_step():
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.lev[0] = 3
    with pytest.raises(NonFiniteValueError) as info:
        _finalize(0, False, out, kind, mem, lambda p: f"<pair {p} named>")
    msg = str(info.value)
    assert msg.startswith("f is not finite around x along <pair 0 named> for any step down "
                          "to 0.125 times the first (f(x) is finite)")
    assert msg.endswith("the point is on the edge of f's domain there")


def test_finalize_a_pair_never_finite_whose_differences_overflowed_is_an_overflow():
    # f's values were finite on some window whose differences were not: no domain edge
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.lev[0] = 3
    mem.overflowed[0] = True
    _finalize(0, False, out, kind, mem, str)
    assert kind[0] == OVERFLOW
    assert np.isnan([out[k][0] for k in ("value", "lower", "upper")]).all()
    assert out["error"][0] == np.inf and out["step"][0] == 0.125


def test_finalize_an_overflow_seen_before_a_finite_estimate_is_the_usual_outcome():
    # the flag only replaces the domain-edge error: a candidate, a kink, or a last finite
    # estimate (unsettled) decide as without it
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.overflowed[0] = True
    mem.last_val[0], mem.prev_val[0], mem.last_err[0], mem.last_level[0] = 4.0, 3.5, 0.5, 1
    _finalize(0, False, out, kind, mem, str)
    assert kind[0] == UNRESOLVED and out["value"][0] == 4.0
    mem, out, kind = _State(1), blank(), np.array([SMOOTH], dtype=np.int8)
    mem.overflowed[0] = True
    mem.best_val[0], mem.best_err[0], mem.best_level[0] = 2.0, 0.25, 1
    _finalize(0, False, out, kind, mem, str)
    assert kind[0] == SMOOTH and out["value"][0] == 2.0


# ----------------------------------------------------------------------------- describe_pairs


def second(kind, lower=None, upper=None, error=None, corner=None):
    n = len(kind)
    lower = np.zeros(n) if lower is None else np.asarray(lower, float)
    upper = np.ones(n) if upper is None else np.asarray(upper, float)
    error = np.full(n, 0.01) if error is None else np.asarray(error, float)
    return Second(0.5 * (lower + upper), error, lower, upper, np.ones(n),
                  np.asarray(kind, dtype=np.int8), 10, corner)


def name(p):
    return f"P{p}"


def test_smooth_pairs_have_no_finding():
    res = second([SMOOTH, SMOOTH])
    assert describe_pairs(res, name, np.ones(2)) == []


def test_a_kink_reports_its_interval_to_8_digits_and_its_bound_to_2():
    res = second([SMOOTH, KINK], lower=[0, -0.123456789], upper=[0, 2.5], error=[0, 0.0123])
    (line,) = describe_pairs(res, name, np.ones(2))
    assert line == ("Hessian entry P1: the gradient of f has a kink there (its second "
                    "derivative jumps): the one-sided second differences give the interval "
                    "[-0.12345679, 2.5] (error bound 0.012); any value in it is accepted")


def test_a_jump_reports_the_step_of_the_pair_to_3_digits():
    res = second([JUMP, SMOOTH])
    (line,) = describe_pairs(res, name, np.array([0.000123456, 5.0]))
    assert line == ("Hessian entry P0: the second differences grow like 1/h down to step "
                    "0.000123 (the gradient of f jumps: f has a kink there and no second "
                    "derivative); this entry is not judged")


def test_an_overflow_reports_its_step_and_that_f_is_finite():
    res = second([OVERFLOW, SMOOTH], error=[np.inf, 0.0])
    (line,) = describe_pairs(res, name, np.array([0.000123456, 5.0]))
    assert line == ("Hessian entry P0: f's values are finite there, but its second "
                    "differences overflow (they, or their Richardson extrapolation, exceed "
                    "the largest float) down to step 0.000123; this entry is not judged")
    many = describe_pairs(second([OVERFLOW] * 7), name, np.ones(7))
    assert len(many) == 6 and many[-1] == "... and 2 more such Hessian entries (overflows)"


def test_an_unsettled_pair_reports_its_step_and_bound():
    res = second([UNRESOLVED], error=[0.03456])
    (line,) = describe_pairs(res, name, np.array([0.25]))
    assert line == ("Hessian entry P0: the second differences did not settle down to step "
                    "0.25; this entry is not judged (error bound 0.035, the spread of the "
                    "last estimates)")
    # with a corner array that does not mark it, still the unsettled text
    res = second([UNRESOLVED, UNRESOLVED], corner=np.array([True, False]))
    lines = describe_pairs(res, name, np.array([0.25, 0.5]))
    assert lines[0] == ("Hessian entry P0: several kinks of the gradient meet there (the "
                        "second differences along the two diagonals and the two axes do not "
                        "fit one kink surface); this entry is not judged")
    assert lines[1].startswith("Hessian entry P1: the second differences did not settle down "
                               "to step 0.5;")


def test_findings_come_kinks_first_then_jumps_then_unsettled_in_pair_order():
    res = second([UNRESOLVED, JUMP, KINK, SMOOTH, KINK, JUMP])
    lines = describe_pairs(res, name, np.ones(6))
    heads = [line.split(":")[0] for line in lines]
    assert heads == ["Hessian entry P2", "Hessian entry P4", "Hessian entry P1",
                     "Hessian entry P5", "Hessian entry P0"]
    assert "kink there" in lines[0] and "grow like 1/h" in lines[2]
    assert "did not settle" in lines[4]


@pytest.mark.parametrize("code, word", [(KINK, "kinks"), (JUMP, "jumps"),
                                        (UNRESOLVED, "unsettled")])
def test_past_the_limit_one_line_counts_the_rest(code, word):
    res = second([code] * 8)
    lines = describe_pairs(res, name, np.ones(8))  # default limit 5
    assert len(lines) == 6
    assert [line.split(":")[0] for line in lines[:5]] == [f"Hessian entry P{p}"
                                                         for p in range(5)]
    assert lines[5] == f"... and 3 more such Hessian entries ({word})"
    lines = describe_pairs(res, name, np.ones(8), limit=2)
    assert len(lines) == 3 and lines[2] == f"... and 6 more such Hessian entries ({word})"
    # exactly at the limit: no count line
    assert describe_pairs(second([code] * 5), name, np.ones(5)) == \
        describe_pairs(second([code] * 5), name, np.ones(5), limit=6)
    assert len(describe_pairs(second([code] * 5), name, np.ones(5))) == 5


def test_the_limit_applies_per_kind():
    res = second([KINK] * 6 + [UNRESOLVED] * 2)
    lines = describe_pairs(res, name, np.ones(8), limit=5)
    assert len(lines) == 5 + 1 + 2
    assert lines[5] == "... and 1 more such Hessian entries (kinks)"
    assert lines[6].startswith("Hessian entry P6:") and lines[7].startswith("Hessian entry P7:")


def test_every_kinked_cross_pair_is_examined_after_one_that_fits():
    # two cross pairs over the same diagonals: the first fits one surface, the second not
    pairs = np.array([[0, 0], [1, 1], [0, 1], [0, 1]])
    kind = np.array([KINK, KINK, KINK, KINK], dtype=np.int8)
    out = {"lower": np.array([0.0, 1.0, 1.0, 1.0]), "upper": np.array([1.0, 3.0, 2.0, 2.0]),
           "error": np.array([0.25, 0.5, 0.125, 0.125]),
           "value": np.array([0.5, 2.0, 1.5, 1.5])}
    mem = _State(4)
    mem.kink_jumps[2:], mem.kink_jumps_err[2:] = [0.75, 5.0], 0.125
    corner = _corners(pairs, H, kind, out, mem)
    assert corner.tolist() == [False, False, False, True]
    assert kind.tolist() == [KINK, KINK, KINK, UNRESOLVED]
