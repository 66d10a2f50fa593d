"""Small generative cases with a known answer, written out in full so a reader can check them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def ar_itch_patient(
    rng: np.random.Generator,
    pid: str,
    n_days: int = 180,
    *,
    dairy_effect: float = 0.0,
    dairy_lag: int = 1,
    tcs_reactive: bool = True,
    tcs_effect: float = 0.3,
    level: float = -0.5,
    phi: float = 0.8,
    sigma: float = 0.35,
    omega: float = 0.3,
    missing: float = 0.05,
) -> pd.DataFrame:
    """Latent AR(1) on the logit scale, binomial itch, dairy bumping itch ``dairy_lag`` days
    later, a steroid used *because* today's itch is high that lowers tomorrow's latent, and a
    pure-noise factor (env.noise)."""
    dairy = (rng.random(n_days) < 0.4).astype(float)
    noise = (rng.random(n_days) < 0.3).astype(float)
    z = level
    itch = np.empty(n_days)
    tcs = np.zeros(n_days)
    for t in range(n_days):
        z = level + phi * (z - level) + sigma * rng.standard_normal()
        if t > 0:
            z -= tcs_effect * tcs[t - 1]
        bump = dairy_effect * dairy[t - dairy_lag] if t >= dairy_lag else 0.0
        itch[t] = rng.binomial(10, expit(z + bump + omega * rng.standard_normal()))
        if tcs_reactive:
            tcs[t] = float(rng.random() < expit(-2.0 + 1.0 * (itch[t] - 5)))
    keep = rng.random(n_days) >= missing
    keep[0] = keep[-1] = True
    dates = pd.to_datetime([dt.date(2025, 3, 1) + dt.timedelta(days=int(i)) for i in np.flatnonzero(keep)])
    return pd.DataFrame(
        {
            "patient": pid,
            "date": dates,
            "itch": itch[keep],
            "sleep_loss": np.nan,
            "poscorad": np.nan,
            "poem": np.nan,
            "flare": np.nan,
            "food.dairy": dairy[keep],
            "env.noise": noise[keep],
            "treat.tcs": tcs[keep],
        }
    )


def cohort(seed: int, n: int, **kw) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.concat([ar_itch_patient(rng, f"p{k:02d}", **kw) for k in range(n)], ignore_index=True)


def exact_hmm(y, phi: float, sigma: float, level: float, emission, steps: int):
    """Brute-force filter of an AR(1) latent on a fine grid (level known): the log-likelihood of
    ``y`` (nan = missing) and the pmfs 1..``steps`` days ahead. ``emission(z)`` gives
    P(y = 0..10 | z) for the latent grid ``z``, as a (len(z), 11) array."""
    from scipy.stats import norm

    from gutskin.insights.forecast import INIT_DEV_VAR_MAX

    z = np.linspace(-9, 9, 721)
    dz = z[1] - z[0]
    emis = emission(z)
    trans = norm.pdf(z[None, :], level + phi * (z[:, None] - level), sigma) * dz
    p = norm.pdf(z, level, np.sqrt(min(sigma**2 / (1 - phi**2), INIT_DEV_VAR_MAX))) * dz
    ll = 0.0
    for t, yt in enumerate(y):
        if t > 0:
            p = p @ trans
        if not np.isnan(yt):
            p = p * emis[:, int(yt)]
            ll += np.log(p.sum())
            p = p / p.sum()
    out = []
    for _ in range(steps):
        p = p @ trans
        out.append(p @ emis)
    return ll, np.array(out)
