"""The Miyano 2022 quantitative systems pharmacology (QSP) model of atopic dermatitis.

Source: Miyano T, Irvine AD, Tanaka RJ. A mathematical model to identify optimal combinations
of drug targets for dupilumab poor responders in atopic dermatitis. *Allergy* 2022;77(2):582-594,
doi:10.1111/all.14870; authors' code ``Tanaka-Group/AD_QSP_model`` (MIT). Restated in
../shared/reference/disease-models.md §1. Re-implemented here from the equations (vectorized
over patients), not copied.

Time unit: **weeks**. State (14): barrier s, pathogens p, Th1, Th2, Th17, Th22, IL-4, IL-13,
IL-17, IL-22, IL-31, IFN-γ, TSLP, OX40L. Parameters (51) are log-normal across virtual
patients: ln x_i ~ N(mu_i, |sigma_i|).

The right-hand side :func:`rhs` works on arrays of shape ``(n_patients, 14)`` with
parameters ``(n_patients, 51)`` and a drug-effect vector ``(10,)`` or ``(n_patients, 10)``.
Optional *modifiers* (used by the gut-skin coupling, :mod:`gutskin.axis.coupling`) scale
individual rates per patient; with no modifiers the published model is unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

STATE_NAMES: tuple[str, ...] = (
    "s", "p", "Th1", "Th2", "Th17", "Th22", "IL4", "IL13", "IL17", "IL22", "IL31", "IFNg", "TSLP", "OX40L",
)
N_STATES = 14

PARAM_NAMES: tuple[str, ...] = (
    "k1", "k2", "k3", "b1", "b2", "b3", "b4", "b5", "d1", "d2", "d3", "b6", "d4", "d5", "d6", "d7",
    "b7", "b8", "d8", "k5", "k9", "d9", "b9", "k6", "k10", "k7", "k8", "k11", "k12", "d10", "k13",
    "k14", "d11", "k15", "k16", "d12", "k17", "k18", "d13", "k19", "k20", "d14", "k21", "k22", "d15",
    "k23", "k24", "d16", "k25", "k26", "d17",
)
N_PARAMS = 51

# mu.csv / sigma.csv of the publication (reference §1.4), ln-scale.
MU = np.array([
    0.537, -1.5, 2.95, -8.69, -3.54, -3.92, -0.595, -2.09, -1.599, -2.64, 1.25, 0.395, -1, -5.1,
    -5.01, -8.7, -7.99, -3.5, -1.599, 2.95, -3.32, -0.5482, -2.66, 3.89, -5.82, 2.6, 4.83, 5.5,
    9.25, 5.908, 6.65, 8.84, 5.908, 4.01, 2.64, 3.332, 1.19, 1.46, 3.332, 1.54, 1.99, 3.332,
    0.459, 2.62, 2.681, 4, 4.43, 3.332, 0.421, 1.68, 0.4824,
])
SIGMA = np.array([
    0.793, 0.39, 1.42, 0.575, 1.58, 0.349, 0.798, 0.903, 1.53, 0.567, 2.28, 0.444, 0.474, 0.445,
    0.389, 0.62, 0.092, 0.048, 0.0357, 0.0379, 0.994, 0.0883, 0.3, 0.00306, 0.0675, 0.0697, 0.475,
    0.163, 0.506, 0.219, 0.37, 0.454, 0.111, 0.268, 0.85, 0.571, 0.206, 0.0277, 0.561, 0.187,
    0.576, 0.1, 1, 0.353, 0.146, 0.522, 0.649, 0.204, 0.481, 0.78, 0.236,
])

#: Initial state of the baseline (settling) run, reference §1.5.
INITIAL_STATE = np.array([0.5931, 0.4069, 3.1, 8.7, 2.0, 21.0, 38.0, 40.5, 5.4, 3.0, 2.0, 1.5, 4.4, 9.7])

SETTLE_WEEKS = 1000.0
ARM_WEEKS = 24.0
GRID_STEP_WEEKS = 0.1
EXCLUSION_EASI = 72.0
#: Reference tolerances (the authors' odeint call).
REFERENCE_RTOL = 1e-8
REFERENCE_ATOL = 1e-6

#: Drug-effect vector e (reference §1.2): e0 background care, e1 IL-4, e2 IL-13, e3 IL-17A,
#: e4 IL-22, e5 IL-31, e6 TSLP, e7 OX40, e8 rIFN-γ (additive), e9 IL-13 efficacy flag.
BASELINE_EFFECT = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=float)


def _arm(**entries: float) -> np.ndarray:
    e = np.array([1e20, 0, 0, 0, 0, 0, 0, 0, 0, 1], dtype=float)
    for k, v in entries.items():
        e[int(k[1:])] = v
    return e


#: The published arms (reference §1.5 table), in the order of the authors' script.
ARMS: dict[str, np.ndarray] = {
    "placebo": _arm(),
    "dupilumab": _arm(e1=0.99, e2=0.99),
    "nemolizumab": _arm(e5=0.99),
    "tezepelumab": _arm(e6=0.99),
    "gbr830": _arm(e7=0.99),
    "fezakinumab": _arm(e4=0.99),
    "secukinumab": _arm(e3=0.99),
    "rifng": _arm(e8=210.0),
    "tralokinumab": _arm(e2=0.99, e9=0.0),
    "lebrikizumab": _arm(e2=0.99),
}
ARM_LABELS: dict[str, str] = {
    "placebo": "Placebo / standard care", "dupilumab": "Dupilumab (IL-4Rα)", "nemolizumab": "Nemolizumab (IL-31RA)",
    "tezepelumab": "Tezepelumab (TSLP)", "gbr830": "GBR 830 (OX40)", "fezakinumab": "Fezakinumab (IL-22)",
    "secukinumab": "Secukinumab (IL-17A)", "rifng": "Recombinant interferon-γ", "tralokinumab": "Tralokinumab (IL-13)",
    "lebrikizumab": "Lebrikizumab (IL-13)",
}
"""How an arm reads on a page: the drug and the target its effect vector blocks (Miyano 2022's arms)."""
ARM_ALIASES: dict[str, str] = {
    "standard_care": "placebo", "standard-care": "placebo", "gbr-830": "gbr830", "gbr_830": "gbr830",
    "rifn-g": "rifng", "rifn-gamma": "rifng", "rifn_gamma": "rifng", "ifng": "rifng",
}


class UnknownArmError(ValueError):
    """An arm name that is not one of the published arms."""


def arm_effect(name: str) -> np.ndarray:
    """The drug-effect vector of a published arm (case-insensitive; aliases accepted)."""
    key = name.strip().lower()
    key = ARM_ALIASES.get(key, key)
    if key not in ARMS:
        raise UnknownArmError(f"unknown arm {name!r}; expected one of: {', '.join(ARMS)}")
    return ARMS[key].copy()


def canonical_arm(name: str) -> str:
    key = name.strip().lower()
    key = ARM_ALIASES.get(key, key)
    if key not in ARMS:
        raise UnknownArmError(f"unknown arm {name!r}; expected one of: {', '.join(ARMS)}")
    return key


def sample_parameters(n_patients: int, rng: np.random.Generator, mu: np.ndarray = MU,
                      sigma: np.ndarray = SIGMA) -> np.ndarray:
    """Virtual patients: ln x_i ~ N(mu_i, |sigma_i|), independently; shape (n_patients, 51).

    Normals are drawn as a (51, n_patients) block, as in the authors' script.
    """
    if n_patients < 0:
        raise ValueError(f"n_patients must be >= 0, got {n_patients}")
    z = rng.standard_normal((N_PARAMS, n_patients))
    return np.exp(z * np.abs(sigma)[:, None] + mu[:, None]).T.copy()


def median_parameters(mu: np.ndarray = MU) -> np.ndarray:
    """The median virtual patient: every parameter at exp(mu); shape (1, 51)."""
    return np.exp(np.asarray(mu, dtype=float))[None, :].copy()


def load_parameter_file(path: str) -> tuple[np.ndarray, np.ndarray]:
    """Read mu and sigma from a CSV or JSON file; raise ``ValueError`` with a clear message.

    CSV: 51 rows ``mu,sigma`` (optional header ``mu,sigma`` or ``name,mu,sigma``).
    JSON: ``{"mu": [51 numbers], "sigma": [51 numbers]}``.
    """
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read parameter file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    mu: list[float] = []
    sg: list[float] = []
    try:
        if text.lstrip().startswith("{"):
            obj = json.loads(text)
            mu = [float(v) for v in obj["mu"]]
            sg = [float(v) for v in obj["sigma"]]
        else:
            for line in text.splitlines():
                cells = [c.strip() for c in line.split(",") if c.strip() != ""]
                if not cells:
                    continue
                try:
                    vals = [float(c) for c in cells[-2:]]
                except ValueError:
                    if not mu:  # header
                        continue
                    raise
                if len(vals) != 2:
                    raise ValueError("expected two numbers per row (mu, sigma)")
                mu.append(vals[0])
                sg.append(vals[1])
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"parameter file {path}: not a valid mu/sigma table ({exc})") from None
    if len(mu) != N_PARAMS or len(sg) != N_PARAMS:
        raise ValueError(f"parameter file {path}: expected 51 (mu, sigma) pairs, got {len(mu)}")
    mu_a, sg_a = np.array(mu), np.array(sg)
    if not (np.all(np.isfinite(mu_a)) and np.all(np.isfinite(sg_a))):
        raise ValueError(f"parameter file {path}: values must be finite numbers")
    return mu_a, sg_a


@dataclass
class Modifiers:
    """Per-patient multipliers on published rates (all 1 / 0 = the published model).

    Used only by the gut-skin coupling (project assumptions, see docs/axis.md):

    - ``influx``: multiplies the pathogen influx k4 (= d8) — trigger exposures.
    - ``th2``: multiplies the Th2 differentiation gain k6 — Treg damping.
    - ``barrier``: multiplies barrier recovery k1 — Treg help.
    - ``itch``: multiplies effective IL-31 (IL31') — sweat/stress itch signalling.
    - ``care``: adds x2 · care to background care k3 = min(x2, e0) when given — emollients (the
      cohort runs with e0 = 0, so there k3 = x2 · care).
    - ``inflammation``: multiplies effective IL-4, IL-13, IL-17, IL-22, IL-31, TSLP and
      the Th differentiation gains — topical corticosteroids.
    """

    influx: np.ndarray | float = 1.0
    th2: np.ndarray | float = 1.0
    barrier: np.ndarray | float = 1.0
    itch: np.ndarray | float = 1.0
    care: np.ndarray | float | None = None
    inflammation: np.ndarray | float = 1.0


def _col(e: np.ndarray, i: int):
    return e[..., i] if e.ndim == 2 else e[i]


def rhs(x: np.ndarray, params: np.ndarray, effect: np.ndarray, mod: Modifiers | None = None) -> np.ndarray:
    """dx/dt of the 14 ODEs (reference §1.3) for every patient; x (n, 14), params (n, 51).

    x may also be (k, n, 14) — k variants of the n patients' states (used for batched
    finite-difference Jacobians); parameters, effects and modifiers then broadcast over k.
    """
    P = params.T if params.ndim == 2 else params[:, None]
    xs = np.moveaxis(x, -1, 0) if x.ndim >= 2 else x[:, None]
    e = np.asarray(effect, dtype=float)
    if e.ndim == 2:
        e = e.T  # (10, n)
    (k1, k2, x2, b1, b2, b3, b4, b5, d1, d2, d3, b6, d4, d5, d6, d7, b7, b8, d8, k5, k9, d9, b9, k6, k10,
     k7, k8, k11, k12, d10, k13, k14, d11, k15, k16, d12, k17, k18, d13, k19, k20, d14, k21, k22, d15,
     k23, k24, d16, k25, k26, d17) = P
    s, p, th1, th2, th17, th22, il4, il13, il17, il22, il31, ifng, tslp, ox40l = xs
    k3 = np.minimum(x2, e[0])
    ea2 = np.maximum(0.4396, e[9])
    k4 = d8
    if mod is not None:
        infl = mod.inflammation
        k1 = k1 * mod.barrier
        k4 = k4 * mod.influx
        k6 = k6 * mod.th2
        if mod.care is not None:
            k3 = k3 + x2 * mod.care
    else:
        infl = 1.0
    IL4 = (1 - e[1]) * il4 * infl
    IL13 = (1 - e[2] * ea2) * il13 * infl
    IL17 = (1 - e[3]) * il17 * infl
    IL22 = (1 - e[4]) * il22 * infl
    IL31 = (1 - e[5]) * il31 * infl
    TSLP = (1 - e[6]) * tslp * infl
    OX40 = (1 - e[7]) * ox40l
    IFNg = ifng + e[8]
    if mod is not None:
        IL31 = IL31 * mod.itch
    Q = 4 + k9 * IFNg + k10 * IL4
    L = 1 + b9 * OX40
    pq = p / Q * infl
    out = np.empty_like(xs)
    out[0] = (1 - s) * (k1 + k2 * IL22 + k3) / (
        (1 + b1 * IL4) * (1 + b2 * IL13) * (1 + b3 * IL17) * (1 + b4 * IL22) * (1 + b5 * IL31)
    ) - s * (d1 * (1 + d3 * p) + d2 * IL31)
    out[1] = k4 / (1 + b6 * s) - p * (
        (1 + d4 * p) * (1 + d5 * IL17) * (1 + d6 * IL22) * (1 + d7 * IFNg) / ((1 + b7 * IL4) * (1 + b8 * IL13)) + d8
    )
    dl = d9 / L
    out[2] = k5 * pq * (1 + k9 * IFNg) - dl * th1
    out[3] = k6 * pq * (1 + k10 * IL4) - dl * th2
    out[4] = k7 * pq - dl * th17
    out[5] = k8 * pq - dl * th22
    out[6] = k11 * th2 + k12 - d10 * il4
    out[7] = k13 * th2 + k14 - d11 * il13
    out[8] = k15 * th17 + k16 - d12 * il17
    out[9] = k17 * th22 + k18 - d13 * il22
    out[10] = k19 * th2 + k20 - d14 * il31
    out[11] = k21 * th1 + k22 - d15 * ifng
    out[12] = k23 * p + k24 - d16 * tslp
    out[13] = k25 * TSLP + k26 - d17 * ox40l
    return np.moveaxis(out, 0, -1) if x.ndim >= 2 else out[:, 0]


def easi(x: np.ndarray) -> np.ndarray:
    """EASI read-out (reference §1.3): 72·(2p + 2(1 − s))/4 = 36·(p + 1 − s); works on (..., 14)."""
    x = np.asarray(x)
    return 72.0 * (2.0 * x[..., 1] + 2.0 * (1.0 - x[..., 0])) / 4.0


def rhs_single(c: np.ndarray, t: float, params: np.ndarray, effect: np.ndarray) -> np.ndarray:
    """One patient's right-hand side in odeint's (y, t, *args) form — the reference integration."""
    return rhs(c, params, effect)


def reference_trajectory(params: np.ndarray, effect: np.ndarray, x0: np.ndarray, t_end: float) -> np.ndarray:
    """Integrate ONE patient with scipy odeint exactly as the authors did (0.1-week grid,
    rtol 1e-8, atol 1e-6); returns the states on the grid, shape (round(t_end/0.1)+1, 14)."""
    from scipy.integrate import odeint

    n = int(round(t_end / GRID_STEP_WEEKS)) + 1
    t = np.linspace(0.0, t_end, n)
    return odeint(rhs_single, np.asarray(x0, dtype=float), t, args=(np.asarray(params, float), np.asarray(effect, float)),
                  rtol=REFERENCE_RTOL, atol=REFERENCE_ATOL)


def reference_protocol(params: np.ndarray, arms: Mapping[str, np.ndarray] | None = None,
                       weeks: float = ARM_WEEKS) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The published protocol for ONE patient with odeint: settle 1000 weeks, then each arm.

    Returns (baseline state (14,), {arm: EASI on the 0.1-week grid}).
    """
    arms = ARMS if arms is None else arms
    settle = reference_trajectory(params, BASELINE_EFFECT, INITIAL_STATE, SETTLE_WEEKS)
    base = settle[-1]
    out = {name: easi(reference_trajectory(params, e, base, weeks)) for name, e in arms.items()}
    return base, out


# Rows 6..13 (mediators) are linear: each depends only on itself and one source state
# (IL-4, IL-13, IL-31 on Th2; IL-17 on Th17; IL-22 on Th22; IFN-γ on Th1; TSLP on p;
# OX40L on TSLP). So W = I − hd·J has a bidiagonal lower-right block and the linear solves of
# the Rosenbrock steps reduce to a 6×6 Schur complement.
_A = slice(0, 6)
_C = slice(6, 14)


def block_solver(J: np.ndarray, hd: np.ndarray):
    """Solver factory for :mod:`gutskin.axis.integrate` exploiting the mediator structure.

    Equivalent to the dense solve of (I − hd·J) z = b for any J with the structure above
    (tested against the dense solver on finite-difference Jacobians of this model).
    """
    W = -hd[:, None, None] * J
    W[:, np.arange(14), np.arange(14)] += 1.0
    Waa, Wac, Wca = W[:, _A, _A], W[:, _A, _C], W[:, _C, _A]
    dcc = W[:, np.arange(6, 14), np.arange(6, 14)]  # (m, 8) diagonal
    low = W[:, 13, 12]  # OX40L <- TSLP, the one off-diagonal entry of W_cc

    def cc_solve(v: np.ndarray) -> np.ndarray:
        """W_cc⁻¹ v for v (m, 8) or (m, 8, r)."""
        d = dcc if v.ndim == 2 else dcc[:, :, None]
        u = v / d
        lo = low if v.ndim == 2 else low[:, None]
        u[:, 7] = (v[:, 7] - lo * u[:, 6]) / d[:, 7]
        return u

    S = Waa - np.matmul(Wac, cc_solve(Wca))
    Sinv = np.linalg.inv(S)

    def solve(b: np.ndarray) -> np.ndarray:
        ba, bc = b[:, _A], b[:, _C]
        za = np.einsum("pij,pj->pi", Sinv, ba - np.einsum("pij,pj->pi", Wac, cc_solve(bc)))
        zc = cc_solve(bc - np.einsum("pij,pj->pi", Wca, za))
        return np.concatenate([za, zc], axis=1)

    return solve


def jacobian(x: np.ndarray, params: np.ndarray, effect: np.ndarray, mod: Modifiers | None = None) -> np.ndarray:
    """Analytic Jacobian ∂f/∂x of :func:`rhs`, shape (n, 14, 14) (tested against finite differences)."""
    P = params.T
    xs = x.T
    e = np.asarray(effect, dtype=float)
    if e.ndim == 2:
        e = e.T
    (k1, k2, x2, b1, b2, b3, b4, b5, d1, d2, d3, b6, d4, d5, d6, d7, b7, b8, d8, k5, k9, d9, b9, k6, k10,
     k7, k8, k11, k12, d10, k13, k14, d11, k15, k16, d12, k17, k18, d13, k19, k20, d14, k21, k22, d15,
     k23, k24, d16, k25, k26, d17) = P
    s, p, th1, th2, th17, th22, il4, il13, il17, il22, il31, ifng, tslp, ox40l = xs
    k3 = np.minimum(x2, e[0])
    ea2 = np.maximum(0.4396, e[9])
    k4 = d8
    infl: np.ndarray | float = 1.0
    itchm: np.ndarray | float = 1.0
    if mod is not None:
        infl = mod.inflammation
        itchm = mod.itch
        k1 = k1 * mod.barrier
        k4 = k4 * mod.influx
        k6 = k6 * mod.th2
        if mod.care is not None:
            k3 = k3 + x2 * mod.care
    a4 = (1 - e[1]) * infl
    a13 = (1 - e[2] * ea2) * infl
    a17 = (1 - e[3]) * infl
    a22 = (1 - e[4]) * infl
    a31 = (1 - e[5]) * infl * itchm
    a6 = (1 - e[6]) * infl
    a7 = 1 - e[7]
    IL4, IL13, IL17, IL22, IL31 = a4 * il4, a13 * il13, a17 * il17, a22 * il22, a31 * il31
    IFNg = ifng + e[8]
    OX40 = a7 * ox40l
    n = x.shape[0]
    J = np.zeros((n, 14, 14))
    # barrier
    N = k1 + k2 * IL22 + k3
    u4, u13, u17, u22, u31 = 1 + b1 * IL4, 1 + b2 * IL13, 1 + b3 * IL17, 1 + b4 * IL22, 1 + b5 * IL31
    Pi = u4 * u13 * u17 * u22 * u31
    g = (1 - s) * N / Pi
    J[:, 0, 0] = -N / Pi - (d1 * (1 + d3 * p) + d2 * IL31)
    J[:, 0, 1] = -s * d1 * d3
    J[:, 0, 6] = -g * b1 * a4 / u4
    J[:, 0, 7] = -g * b2 * a13 / u13
    J[:, 0, 8] = -g * b3 * a17 / u17
    J[:, 0, 9] = (1 - s) * k2 * a22 / Pi - g * b4 * a22 / u22
    J[:, 0, 10] = -g * b5 * a31 / u31 - s * d2 * a31
    # pathogens
    v4, v13 = 1 + b7 * IL4, 1 + b8 * IL13
    w4, w17, w22, wg = 1 + d4 * p, 1 + d5 * IL17, 1 + d6 * IL22, 1 + d7 * IFNg
    G = w4 * w17 * w22 * wg / (v4 * v13)
    J[:, 1, 0] = -k4 * b6 / (1 + b6 * s) ** 2
    J[:, 1, 1] = -(G + d8) - p * G * d4 / w4
    J[:, 1, 6] = p * G * b7 * a4 / v4
    J[:, 1, 7] = p * G * b8 * a13 / v13
    J[:, 1, 8] = -p * G * d5 * a17 / w17
    J[:, 1, 9] = -p * G * d6 * a22 / w22
    J[:, 1, 11] = -p * G * d7 / wg
    # T helper cells
    Q = 4 + k9 * IFNg + k10 * IL4
    L = 1 + b9 * OX40
    dl = d9 / L
    pq = p / Q * infl
    dpq_p = infl / Q
    dpq_g = -pq * k9 / Q
    dpq_4 = -pq * k10 * a4 / Q
    ddl_ox = -d9 * b9 * a7 / L ** 2
    c1 = k5 * (1 + k9 * IFNg)
    J[:, 2, 1] = c1 * dpq_p
    J[:, 2, 11] = c1 * dpq_g + k5 * pq * k9
    J[:, 2, 6] = c1 * dpq_4
    J[:, 2, 2] = -dl
    J[:, 2, 13] = -th1 * ddl_ox
    c2 = k6 * (1 + k10 * IL4)
    J[:, 3, 1] = c2 * dpq_p
    J[:, 3, 11] = c2 * dpq_g
    J[:, 3, 6] = c2 * dpq_4 + k6 * pq * k10 * a4
    J[:, 3, 3] = -dl
    J[:, 3, 13] = -th2 * ddl_ox
    for row, kk, th in ((4, k7, th17), (5, k8, th22)):
        J[:, row, 1] = kk * dpq_p
        J[:, row, 11] = kk * dpq_g
        J[:, row, 6] = kk * dpq_4
        J[:, row, row] = -dl
        J[:, row, 13] = -th * ddl_ox
    # mediators (linear)
    for row, src, kk, dd in ((6, 3, k11, d10), (7, 3, k13, d11), (8, 4, k15, d12), (9, 5, k17, d13),
                             (10, 3, k19, d14), (11, 2, k21, d15), (12, 1, k23, d16)):
        J[:, row, src] = kk
        J[:, row, row] = -dd
    J[:, 13, 12] = k25 * a6
    J[:, 13, 13] = -d17
    return J
